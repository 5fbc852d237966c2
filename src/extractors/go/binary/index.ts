/**
 * go/binary: the modules compiled into a Go executable, from the build info the linker embeds
 * (what `go version -m` prints), plus the Go toolchain itself as the module "stdlib".
 */
import { makePurl, type Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { elfDataWindow, exeFormat, isCandidateBinary, readFully, readHead } from './exe.ts';
import { containsMagic, hasMagic, type GoBuildInfo, type GoModule, parseGoBuildInfo } from './parse.ts';
import { entry, fileSink, type ProblemSink } from '../../entries.ts';

export { containsMagic, parseGoBuildInfo, parseModInfo, type GoBuildInfo, type GoModule } from './parse.ts';
export { isCandidateBinary, mayHaveSection, parseExe, readHead, sectionData, exeFormat, type Exe, type ExeSection } from './exe.ts';

const NAME = 'go/binary';

/** A Go module as a Package: version without Go's leading "v" (OSV's Go spelling), purl with it. */
export function goPackage(path: string, version: string, location: string, foundBy: string): Package {
  const slash = path.lastIndexOf('/');
  return {
    ecosystem: 'Go',
    name: path,
    version: version.startsWith('v') ? version.slice(1) : version,
    purl: makePurl('golang', slash > 0 ? path.slice(0, slash) : undefined, path.slice(slash + 1), version),
    locations: [location],
    foundBy,
  };
}

/** A local directory replacement (`=> ../fork`) has no version and is not a published module. */
const isLocalPath = (p: string): boolean => p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);

/**
 * Turns decoded build info into packages (pure; exported for tests). A module whose package
 * cannot be built (a version packageurl-js refuses) goes to `problems`; the others are kept.
 */
export function buildInfoPackages(info: GoBuildInfo, location: string, problems: ProblemSink = []): Package[] {
  const out: Package[] = [];
  const add = (m: GoModule): void => {
    const eff = m.replace ?? m;
    if (!eff.path || isLocalPath(eff.path) || !eff.version || eff.version === '(devel)') return;
    const p = entry(problems, `${location}: module ${eff.path} ${eff.version}`, () => goPackage(eff.path, eff.version, location, NAME));
    if (p) out.push(p);
  };
  if (info.main) add(info.main);
  for (const d of info.deps) add(d);
  // "go1.21.5" → "1.21.5"; a "devel go1.22-abcdef" toolchain has no release to match
  const m = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)/.exec(info.goVersion);
  if (m) out.push({ ecosystem: 'Go', name: 'stdlib', version: m[1], purl: makePurl('golang', undefined, 'stdlib', m[1]), locations: [location], foundBy: NAME });
  return out;
}

/**
 * false when the file is certainly no executable with build info (parseGoBuildInfo would find
 * nothing, or Go's own reader would not: see below).
 * An ELF file is judged where Go's debug/buildinfo looks (exe.ts elfDataWindow: the start of its
 * `.go.buildinfo` section, else of its first data segment), from its tables and 64 KiB: a 100 MB
 * executable that is no Go program is not read through. Other formats, and ELF tables too odd to
 * read piecemeal: the magic anywhere in the file (containsMagic, one buffer).
 */
async function mayBeGo(open: NonNullable<ScanFile['open']>): Promise<boolean> {
  const r = await open();
  try {
    const head = await readHead(r);
    const format = head && exeFormat(head);
    if (!format) return false;
    if (format === 'elf') {
      const w = await elfDataWindow(r, head, '.go.buildinfo');
      if (w === null) return false;
      if (w) {
        const buf = Buffer.allocUnsafe(w.length);
        return hasMagic(buf.subarray(0, await readFully(r, buf, w.offset)));
      }
    }
    return await containsMagic(r);
  } finally {
    r.close();
  }
}

export const goBinaryExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the same function for both: a walk asks it once for the two (file-names.ts FileIndex)
  fileRequired: isCandidateBinary,
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    // with positioned reads (a directory, a root filesystem), a file that is no executable or holds
    // no build info magic is not read whole: most executables of a system are no Go programs
    if (file.open && !(await mayBeGo(file.open))) return [];
    const buf = await file.read();
    if (!exeFormat(buf)) return [];
    const r = parseGoBuildInfo(buf);
    if (!r) return [];
    if ('problem' in r) {
      ctx.fileErrors.push({ path: file.info.path, rule: 'go-buildinfo', message: `${file.info.path}: Go build info found but unreadable: ${r.problem}` });
      return [];
    }
    return buildInfoPackages(r.info, file.info.path, fileSink(ctx, file.info.path));
  },
};
