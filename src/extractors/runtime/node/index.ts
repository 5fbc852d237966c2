/**
 * runtime/node: a Node.js executable (an official tarball's bin/node, a Docker image's
 * /usr/local/bin/node), its version read from its own bytes: the release source URL every release
 * build embeds as `process.release.sourceUrl` (".../download/release/v20.11.1/node-v20.11.1.tar.gz").
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { baseOf, runtimePackage } from '../package.ts';
import { probeFirst, type Probe } from '../probe.ts';

const NAME = 'runtime/node';
const NAMES = new Set(['node', 'nodejs', 'node.exe']);
/** A real node binary is tens of MB; wrappers and shims of that name (nvm, volta, asdf) are scripts of a few KB. */
export const MIN_NODE_BYTES = 16 * 1024;

/** `/node-vX.Y.Z.tar.gz` (and `-headers.tar.gz`) of the release URLs; rc builds carry `-rc.N`. */
export const NODE_VERSION: Probe = { anchor: '/node-v', before: 0, after: 48, re: /^\/node-v(\d+\.\d+\.\d+(?:-rc\.\d+)?)(?:-headers)?\.tar\.(?:gz|xz)/ };

export const nodeExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ names: [...NAMES] }, (path, info) => NAMES.has(baseOf(path)) && info.size >= MIN_NODE_BYTES),
  async extract(file: ScanFile, _ctx: ExtractContext): Promise<Package[]> {
    const version = await probeFirst(file, NODE_VERSION);
    // no release URL: a script or another program of that name, or a custom build that says nothing
    return version ? [runtimePackage('node', version, file.info.path, NAME)] : [];
  },
};
