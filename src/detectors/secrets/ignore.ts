/**
 * Suppression: ignore files (.vigilignore, .secretsignore) and inline `vigil:ignore` comments.
 * Suppressed findings are kept with `suppressed` set, never dropped, so a report can count them.
 *
 * Ignore file lines (applying to the folder holding the file and below):
 *   # comment
 *   path/glob/**.pem        a gitignore-style glob (a leading "/" anchors it to the folder; "**" crosses folders)
 *   secret:<rule-id>        every finding of that rule
 *   secret:<rule-id> <glob> that rule under that glob
 *   <64 hex>                a fingerprint: the sha256 of the secret (SecretFinding.secret.hash)
 *   fingerprint:<64 hex>    the same, spelled out
 */
export const IGNORE_FILE_NAMES = ['.vigilignore', '.secretsignore'];

export interface IgnoreEntry {
  /** the ignore file and its line, for `suppressed.source` */
  source: string;
  glob?: RegExp;
  rule?: string;
  hash?: string;
}

export interface IgnoreSet {
  /** the folder the file applies to ("" for the root) */
  base: string;
  entries: IgnoreEntry[];
}

/** A gitignore-style glob as a regex over "/"-separated paths relative to the ignore file's folder. */
export function globToRegExp(glob: string): RegExp {
  let g = glob.trim();
  const anchored = g.startsWith('/') || g.slice(0, -1).includes('/');
  g = g.replace(/^\//, '');
  const dirOnly = g.endsWith('/');
  if (dirOnly) g = g.slice(0, -1);
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      if (g[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // a match of a folder covers everything below it
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${re}(?:/.*)?$`);
}

/** Parse one ignore file. `path` is its path in the scanned tree. */
export function parseIgnoreFile(path: string, text: string): IgnoreSet {
  const slash = path.lastIndexOf('/');
  const base = slash === -1 ? '' : path.slice(0, slash);
  const entries: IgnoreEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const source = `${path}:${i + 1}`;
    const fp = /^(?:fingerprint:)?([0-9a-f]{64})$/i.exec(line);
    if (fp) return entries.push({ source, hash: fp[1].toLowerCase() });
    const rule = /^secret:([A-Za-z0-9_.-]+)(?:\s+(\S+))?$/.exec(line);
    if (rule) return entries.push({ source, rule: rule[1], glob: rule[2] ? globToRegExp(rule[2]) : undefined });
    entries.push({ source, glob: globToRegExp(line) });
  });
  return { base, entries };
}

/** The entry that suppresses a finding of `rule` with secret hash `hash` at `path`, if any. */
export function matchIgnore(sets: IgnoreSet[], path: string, rule: string, hash: string): IgnoreEntry | undefined {
  for (const set of sets) {
    if (set.base && !path.startsWith(set.base + '/')) continue;
    const rel = set.base ? path.slice(set.base.length + 1) : path;
    for (const e of set.entries) {
      if (e.hash && e.hash !== hash) continue;
      if (e.rule && e.rule !== rule) continue;
      if (e.glob && !e.glob.test(rel)) continue;
      return e;
    }
  }
  return undefined;
}

/**
 * An inline `vigil:ignore` on the line itself or alone on the line above (a comment line).
 * `vigil:ignore` alone covers every rule; `vigil:ignore secret:<rule>[,<rule>]` only those.
 */
export function inlineIgnored(lines: { get(i: number): string | undefined }, line: number, rule: string): boolean {
  const own = lines.get(line);
  if (own !== undefined && covers(own, rule)) return true;
  const prev = lines.get(line - 1);
  return prev !== undefined && /^\s*(?:#|\/\/|\/\*|\*|--|;|<!--|%|')/.test(prev) && covers(prev, rule);
}

function covers(line: string, rule: string): boolean {
  const m = /vigil:ignore(?:\s+secret:([A-Za-z0-9_.,-]+))?/.exec(line);
  if (!m) return false;
  return !m[1] || m[1].split(',').includes(rule);
}
