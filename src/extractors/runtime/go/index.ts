/**
 * runtime/go: the Go toolchain's `go` command (`$GOROOT/bin/go`), as OSV's Go package "toolchain"
 * (advisories on cmd/go, cgo and the linker; the standard library compiled into every Go binary is
 * "stdlib", reported by go/binary). The version is read from the build info the linker embeds in
 * the binary (`\xff Go buildinf:`, inline layout of Go ≥ 1.18), else from `$GOROOT/VERSION`.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { besideParent, binaryWithSidecar, dirOf, runtimePackage } from '../package.ts';
import { probeFile, type Probe } from '../probe.ts';

const NAME = 'runtime/go';
const COMMAND = /(?:^|\/)bin\/go(?:\.exe)?$/;
const MAX_VERSION_BYTES = 4096;

/**
 * The inline build info header (Go's src/debug/buildinfo/buildinfo.go): 14-byte magic, pointer
 * size, flags (bit 2: inline strings), padding to 32 bytes, then the uvarint-prefixed Go version
 * and module info. Captures the version and as much module info as the window holds.
 */
export const GO_BUILDINFO: Probe = { anchor: '\xff Go buildinf:', before: 0, after: 4096, re: /^\xff Go buildinf:[\s\S]([\s\S])[\s\S]{16}([\s\S]*)$/ };

/** Version ("go1.21.5") and module info from the bytes after the 32-byte header; undefined unless inline. */
export function decodeInline(flags: number, rest: string): { goVersion: string; modinfo?: string } | undefined {
  if ((flags & 2) === 0) return undefined;
  const b = Buffer.from(rest, 'latin1');
  const str = (at: number): [string, number] | undefined => {
    let len = 0;
    let shift = 0;
    let i = at;
    for (; i < b.length && i < at + 5; i++) {
      len |= (b[i] & 0x7f) << shift;
      shift += 7;
      if ((b[i] & 0x80) === 0) break;
    }
    i++;
    if (i + len > b.length) return undefined;
    return [b.toString('latin1', i, i + len), i + len];
  };
  const v = str(0);
  if (!v || !/^go\d/.test(v[0])) return undefined;
  const mod = str(v[1]);
  return { goVersion: v[0], ...(mod ? { modinfo: mod[0] } : {}) };
}

/** Module info names the main package "cmd/go" (after the 16-byte sentinel Go frames it with). */
export const isGoCommand = (modinfo: string): boolean => /(?:^|\n)path\tcmd\/go(?:\n|$)/.test(modinfo.length > 32 ? modinfo.slice(16) : modinfo);

/** "go1.21.5" → "1.21.5" (and "go1.22rc1" → "1.22rc1"); a devel toolchain has no release. */
export function toolchainVersion(goVersion: string): string | undefined {
  return /^go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)(?:\s|$)/.exec(goVersion.trim())?.[1];
}

export const goToolchainExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: binaryWithSidecar(COMMAND, ['go', 'go.exe'], 'VERSION', MAX_VERSION_BYTES),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    if (!COMMAND.test(path)) return []; // a VERSION file: read beside its command
    const m = await probeFileHeader(file);
    const info = m && decodeInline(m.flags, m.rest);
    // the command's own module path is "cmd/go"; another program named go in a bin/ is not the toolchain
    if (info?.modinfo !== undefined && !isGoCommand(info.modinfo)) return [];
    let version = info ? toolchainVersion(info.goVersion) : undefined;
    const versionFile = await ctx.readFile(besideParent(dirOf(path), 'VERSION'));
    if (!version && versionFile) version = toolchainVersion(versionFile.toString('utf8').split('\n')[0]);
    if (!info && !versionFile) return []; // neither build info nor a GOROOT around it
    return version ? [runtimePackage('go', version, path, NAME)] : [];
  },
};

async function probeFileHeader(file: ScanFile): Promise<{ flags: number; rest: string } | undefined> {
  let got: { flags: number; rest: string } | undefined;
  await probeFile(file, GO_BUILDINFO, (m) => {
    got = { flags: m[1].charCodeAt(0), rest: m[2] };
    return true;
  });
  return got;
}
