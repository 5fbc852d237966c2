/**
 * How the CIS evaluator reads a target: bounded text reads, directory listings and globs over a
 * ScanFS. A ScanFS has no readdir, so the first listing walks the target once and keeps the
 * children of the directories checks look into (configuration, unit and spool directories); the
 * same walk counts world-writable and unowned files for the filesystem checks.
 */
import { VigilError } from '../../model/errors.ts';
import type { FileInfo, ScanFS } from '../../sources/types.ts';
import type { Evidence } from './schema.ts';

/** a configuration file larger than this is not a configuration file: ERROR, not read */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** A problem reading or parsing what a check needs: the check is ERROR with this evidence. */
export class CheckError extends Error {
  constructor(readonly evidence: Evidence) {
    super(evidence.message);
  }
}

/** directories whose children are listed (the walk keeps nothing else) */
const LISTED = [
  'etc', 'run', 'usr/lib/sysctl.d', 'usr/lib/modprobe.d', 'usr/local/lib/sysctl.d', 'usr/local/lib/modprobe.d',
  'lib/sysctl.d', 'lib/modprobe.d', 'usr/lib/systemd/system', 'lib/systemd/system', 'usr/lib/modules', 'lib/modules', 'var/spool/cron',
];
const listed = (dir: string): boolean => LISTED.some((p) => dir === p || dir.startsWith(`${p}/`));

export const rel = (p: string): string => p.replace(/^\/+/, '').replace(/\/+$/, '');
export const abs = (p: string): string => `/${rel(p)}`;

export interface WalkFacts {
  children: Map<string, FileInfo[]>;
  /** world-writable regular files (mode o+w), absolute paths */
  worldWritable: string[];
  /** world-writable directories without the sticky bit */
  worldWritableDirsNoSticky: string[];
  /** files whose owner or group id is not in passwd / group (only when the source records ids) */
  unowned: string[];
  ungrouped: string[];
  /** the source records owner ids */
  hasIds: boolean;
  entries: number;
}

/** A ScanFS with a cache of what checks read (each file read once per evaluation). */
export class TargetReader {
  private texts = new Map<string, Promise<string | null>>();
  private walk?: Promise<WalkFacts>;
  private memo = new Map<string, Promise<unknown>>();
  /** the clock of checks about dates */
  now = new Date();

  constructor(readonly fs: ScanFS) {}

  /** memoizes a parsed view of the target (packages, accounts, …) */
  once<T>(key: string, f: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = f();
      this.memo.set(key, p);
    }
    return p;
  }

  async stat(path: string): Promise<FileInfo | null> {
    return this.fs.stat(rel(path));
  }

  /**
   * A file's text, or null when absent (or not a regular file).
   * @throws CheckError when it is too large or unreadable
   */
  text(path: string): Promise<string | null> {
    const p = rel(path);
    let t = this.texts.get(p);
    if (!t) {
      t = (async () => {
        const st = await this.fs.stat(p);
        if (!st || st.kind !== 'file') return null;
        if (st.size > MAX_CONFIG_BYTES) throw new CheckError({ path: abs(p), message: `${abs(p)}: ${st.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit for a configuration file; not read` });
        try {
          return (await this.fs.readFile(p)).toString('utf8');
        } catch (e) {
          if (e instanceof VigilError && e.code === 'VIGIL_NOT_FOUND') return null;
          throw new CheckError({ path: abs(p), message: `${abs(p)}: cannot be read (${(e as Error).message})` });
        }
      })();
      this.texts.set(p, t);
    }
    return t;
  }

  /** the one walk of the target (lazily, at most once) */
  facts(): Promise<WalkFacts> {
    this.walk ??= (async () => {
      const children = new Map<string, FileInfo[]>();
      const ww: string[] = [];
      const wwd: string[] = [];
      const owners: FileInfo[] = [];
      let hasIds = false;
      let n = 0;
      for await (const e of this.fs.entries()) {
        n++;
        const i = e.path.lastIndexOf('/');
        const dir = i < 0 ? '' : e.path.slice(0, i);
        if (listed(dir)) {
          let l = children.get(dir);
          if (!l) children.set(dir, (l = []));
          l.push(e);
        }
        if (e.uid !== undefined) {
          hasIds = true;
          owners.push({ path: e.path, kind: e.kind, size: 0, uid: e.uid, gid: e.gid });
        }
        const m = e.mode ?? 0;
        if (e.kind === 'file' && m & 0o002) ww.push(abs(e.path));
        if (e.kind === 'dir' && m & 0o002 && !(m & 0o1000)) wwd.push(abs(e.path));
      }
      const { uids, gids } = await this.ids();
      const unowned = owners.filter((o) => !uids.has(o.uid!)).map((o) => abs(o.path));
      const ungrouped = owners.filter((o) => o.gid !== undefined && !gids.has(o.gid)).map((o) => abs(o.path));
      return { children, worldWritable: ww, worldWritableDirsNoSticky: wwd, unowned, ungrouped, hasIds, entries: n };
    })();
    return this.walk;
  }

  private async ids(): Promise<{ uids: Set<number>; gids: Set<number> }> {
    const col = async (p: string): Promise<Set<number>> => {
      const t = (await this.text(p).catch(() => null)) ?? '';
      return new Set(t.split('\n').map((l) => Number(l.split(':')[2])).filter((x) => Number.isInteger(x)));
    };
    return { uids: await col('/etc/passwd'), gids: await col('/etc/group') };
  }

  /** the entries of a directory (not recursive), sorted by name; [] when absent */
  async list(dir: string): Promise<FileInfo[]> {
    const d = rel(dir);
    if (!listed(d)) throw new CheckError({ path: abs(d), message: `${abs(d)}: not a directory the CIS evaluator lists` });
    const f = await this.facts();
    const l = f.children.get(d);
    if (l) return l;
    // a directory reached through a symlink (e.g. /lib → usr/lib): list its real location
    const st = await this.fs.stat(d);
    if (st && st.kind === 'dir' && st.path !== d && listed(st.path)) return f.children.get(st.path) ?? [];
    return [];
  }

  /**
   * Absolute paths matching a pattern whose last component may hold `*`, `?` and `[…]`;
   * in name order. A pattern without wildcards is returned as is when it exists.
   */
  async glob(pattern: string): Promise<string[]> {
    const p = rel(pattern);
    const i = p.lastIndexOf('/');
    const dir = i < 0 ? '' : p.slice(0, i);
    const base = p.slice(i + 1);
    if (/[*?[]/.test(dir)) {
      // one wildcard directory level (e.g. /etc/systemd/system/*.wants/*)
      const j = dir.lastIndexOf('/');
      const parent = dir.slice(0, j);
      const re = globRe(dir.slice(j + 1));
      const out: string[] = [];
      for (const d of await this.list(parent)) {
        const name = d.path.slice(d.path.lastIndexOf('/') + 1);
        if (d.kind === 'dir' && re.test(name)) out.push(...(await this.glob(`/${parent}/${name}/${base}`)));
      }
      return out;
    }
    if (!/[*?[]/.test(base)) return (await this.fs.stat(p)) ? [abs(p)] : [];
    const re = globRe(base);
    return (await this.list(dir)).filter((e) => re.test(e.path.slice(e.path.lastIndexOf('/') + 1))).map((e) => abs(e.path));
  }
}

/** a shell glob of one path component as a regex */
export function globRe(g: string): RegExp {
  let s = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') s += '[^/]*';
    else if (c === '?') s += '[^/]';
    else if (c === '[') {
      const j = g.indexOf(']', i + 1);
      if (j < 0) s += '\\[';
      else {
        s += `[${g.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else s += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${s}$`);
}

/**
 * Configuration lines longer than this are cut before any regex sees them: real ones are far
 * shorter (an sshd Ciphers list is a few hundred bytes), and a hostile megabyte line must not make
 * a benchmark's regex backtrack for minutes.
 */
export const MAX_LINE_CHARS = 4096;

/** lines of a text with their 1-based numbers (each cut at MAX_LINE_CHARS) */
export function lines(text: string): { n: number; line: string }[] {
  return text.split(/\r?\n/).map((line, i) => ({ n: i + 1, line: line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line }));
}

/**
 * The logical lines of a configuration where a line ending in a backslash continues on the next
 * (PAM, modprobe.d), comments (`#` to the end) removed and trimmed, empty ones left out; `n` is the
 * number of the line the logical line ends on.
 */
export function continuedLines(text: string): { n: number; line: string }[] {
  const out: { n: number; line: string }[] = [];
  let carry = '';
  for (const { n, line } of lines(text)) {
    const full = carry + line;
    if (full.endsWith('\\')) {
      carry = full.slice(0, -1) + ' ';
      continue;
    }
    carry = '';
    const t = full.replace(/#.*$/, '').trim();
    if (t) out.push({ n, line: t });
  }
  return out;
}
