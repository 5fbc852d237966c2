/**
 * The secret and code scanners over an opened target, for the CLI (engine/isolate-tasks.ts) and the
 * server's scans (engine/scan.ts) alike: the files they need kept (content filters for the
 * sources) and running them over the ScanFS. A repository (a ScanFS with `gitDir`) also gets its
 * history scanned for secrets: a secret removed later is still a finding.
 */
import type { CodeFinding, SecretFinding } from '../model/code.ts';
import type { ContentFilter, FileError, ScanFS } from '../sources/types.ts';

/** What the detectors add to a collected target. */
export interface DetectorOutput { errors: FileError[]; secrets?: SecretFinding[]; code?: CodeFinding[] }
export type DetectorProgress = (phase: string, value: number, total?: number) => void;

export interface Detectors {
  /** the content filters the target must be opened with (besides the extractors') */
  filters: ContentFilter[];
  /** runs the chosen scanners over `fs`, adding findings and per-file errors to `out` */
  run(fs: ScanFS, out: DetectorOutput, progress?: DetectorProgress): Promise<void>;
}

export interface DetectorOptions {
  /** secrets: scan only files under these path prefixes (a host's configured directories, relative to its root) */
  secretsWithin?: readonly string[];
}

/** The secret and code scanners among `scanners` ('secret', 'code'; others are not detectors). */
export async function detectorsFor(scanners: readonly string[], opts: DetectorOptions = {}): Promise<Detectors> {
  const filters: ContentFilter[] = [];
  const steps: ((fs: ScanFS, out: DetectorOutput, progress: DetectorProgress) => Promise<void>)[] = [];
  if (scanners.includes('secret')) {
    const { scanSecrets, scanGitHistory, secretContentFilter } = await import('./secrets/index.ts');
    const within = opts.secretsWithin?.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
    const inside = within && ((path: string) => within.some((w) => path === w || path.startsWith(`${w}/`)));
    filters.push(inside ? (info) => inside(info.path) && secretContentFilter(info) : secretContentFilter);
    steps.push(async (fs, out, progress) => {
      const scanned = inside ? withinFs(fs, inside) : fs;
      const r = await scanSecrets(scanned, { onProgress: (n, total) => progress('secrets', n, total) });
      const findings = [...r.findings];
      out.errors.push(...r.errors);
      if (fs.gitDir) {
        // a repository: every commit's added lines too (a secret removed later is still a finding)
        const h = await scanGitHistory(fs.gitDir);
        out.errors.push(...h.errors);
        const at = (f: SecretFinding) => `${f.secret.hash}\u0000${f.location.path}`;
        const inTree = new Set(findings.map(at));
        for (const f of h.findings) if (!inTree.has(at(f))) findings.push(f);
        // the same secret at the same path in HEAD: the tree's finding, dated by the commit that added it
        const added = new Map(h.findings.map((f) => [at(f), f.location.commit]));
        for (const f of findings) if (!f.location.commit && added.get(at(f))) f.location.commit = added.get(at(f));
      }
      out.secrets = findings;
    });
  }
  if (scanners.includes('code')) {
    const { codeContentFilter, scanCode } = await import('./code/index.ts');
    filters.push(codeContentFilter);
    steps.push(async (fs, out, progress) => {
      const r = await scanCode(fs, { onProgress: (n) => progress('code', n) });
      out.errors.push(...r.errors);
      out.code = r.findings;
    });
  }
  return { filters, run: async (fs, out, progress = () => {}) => { for (const s of steps) await s(fs, out, progress); } };
}

/** `fs` listing only the files `inside` accepts. */
function withinFs(fs: ScanFS, inside: (path: string) => boolean): ScanFS {
  return {
    target: fs.target,
    get errors() { return fs.errors; },
    stat: (p) => fs.stat(p),
    readFile: (p) => fs.readFile(p),
    close: () => fs.close(),
    async *entries() { for await (const e of fs.entries()) if (inside(e.path)) yield e; },
  };
}
