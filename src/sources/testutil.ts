/** Test helpers for the sources: tar layers built with tar-stream, entry listing. */
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import type { FileInfo, ScanFS } from './types.ts';

export interface TarSpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** A tar built from entries, in order. */
export async function makeTar(entries: TarSpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? (typeof e.content === 'string' ? Buffer.from(e.content) : (e.content ?? Buffer.alloc(0))) : undefined;
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: e.name,
        type,
        mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
        ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
        ...(type === 'character-device' ? { devmajor: 1, devminor: 3 } : {}),
        size: body?.length ?? 0,
      };
      if (body) pack.entry(header, body, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const gz = (b: Buffer): Buffer => gzipSync(b);

export async function listAll(fs: ScanFS): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const e of fs.entries()) out.push(e);
  return out;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `vigil-test-${prefix}-`));
}

/** the repository root (tests run from anywhere) */
export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
/** .cache/targets, or VIGIL_TEST_TARGETS (test/helpers/prereq.ts) */
export { TARGETS } from '../../test/helpers/prereq.ts';

/**
 * Writes a `docker save` archive of one layer: `layer` as its l/layer.tar, and a config whose diff id
 * is the digest of `diffIdOf` (the layer itself, or the bytes it should have been: a tampered layer).
 */
export async function writeOneLayerArchive(path: string, layer: Buffer, diffIdOf: Buffer = layer): Promise<void> {
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${sha(diffIdOf)}`] }, history: [{ created_by: 'big' }] });
  const cfgName = `${sha(config)}.json`;
  await writeFile(path, await makeTar([
    { name: 'l/layer.tar', content: layer },
    { name: cfgName, content: config },
    { name: 'manifest.json', content: JSON.stringify([{ Config: cfgName, RepoTags: ['vigil-test/big:1'], Layers: ['l/layer.tar'] }]) },
  ]));
}
