/**
 * Path rules shared by every source: entry names are normalised to "/"-separated paths relative
 * to the root, and anything that would leave the root is refused rather than clamped.
 */

export type NormalizedName = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Normalises an archive entry name ("./usr/lib/x", "usr/lib/x/") to "usr/lib/x". Absolute names,
 * Windows drive or UNC names, NUL bytes and any ".." component are refused: real layer and package
 * archives never need them, and clamping would silently put a hostile entry somewhere else.
 */
export function normalizeEntryName(name: string): NormalizedName {
  if (name.includes('\0')) return { ok: false, reason: 'NUL byte in name' };
  if (name.startsWith('/')) return { ok: false, reason: 'absolute name' };
  if ((name.charCodeAt(1) === 0x3a && /^[a-zA-Z]:[\\/]/.test(name)) || name.startsWith('\\\\')) return { ok: false, reason: 'absolute (drive) name' };
  // most names of a layer are already plain ("usr/lib/x", or "./usr/lib/x" and "usr/lib/" as tar
  // writes them): kept as they are, without splitting (an image has tens of thousands)
  let plain = name;
  while (plain.startsWith('./')) plain = plain.slice(2);
  if (plain.endsWith('/')) plain = plain.slice(0, -1);
  if (isPlainPath(plain)) return { ok: true, path: plain };
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { ok: false, reason: '".." component' };
    parts.push(part);
  }
  return { ok: true, path: parts.join('/') };
}

/**
 * Normalises a caller's path ("/etc/os-release", "./etc/os-release") for stat/readFile. A ".." that
 * would climb above the root yields null.
 */
export function normalizeLookupPath(p: string): string | null {
  if (p.includes('\0')) return null;
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/**
 * True when `p` is already what splitPath(p).join('/') gives: no leading or trailing "/", no empty
 * component, and no component "." or ".." (which could only start with a "."; a name such as
 * ".bashrc" takes the slow path, with the same result).
 */
export function isPlainPath(p: string): boolean {
  return p !== '' && p.charCodeAt(0) !== 0x2e && p.charCodeAt(0) !== 0x2f && p.charCodeAt(p.length - 1) !== 0x2f && !p.includes('//') && !p.includes('/.');
}

export function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** Byte-order comparison of names (the order entries() uses within a directory). */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const MAX_SYMLINK_HOPS = 40;

export type Resolution<N> =
  | { ok: true; path: string; node: N }
  | { ok: false; reason: 'not-found' | 'symlink-escape' | 'symlink-loop' | 'not-a-directory'; at: string };

/** What the resolver needs to know about one path: its kind and, for symlinks, the target. */
export interface ResolverNode {
  kind: 'file' | 'dir' | 'symlink' | 'other';
  linkTarget?: string;
}

/**
 * Resolves `path` inside a root, chroot style: absolute link targets start again at the root, and a
 * relative target that climbs above the root is an escape (reported, never clamped). `lookup` sees
 * only already-resolved, symlink-free prefixes.
 */
export async function resolveInRoot<N extends ResolverNode>(
  path: string,
  lookup: (p: string) => Promise<N | null> | N | null,
  followFinal = true,
): Promise<Resolution<N>> {
  const todo = splitPath(path).reverse(); // a stack: next component on top
  const done: string[] = [];
  let hops = 0;
  let node: N | null = null;
  // the root itself
  if (todo.length === 0) {
    const root = await lookup('');
    return root ? { ok: true, path: '', node: root } : { ok: false, reason: 'not-found', at: '' };
  }
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === '.') continue;
    if (c === '..') {
      if (done.length === 0) return { ok: false, reason: 'symlink-escape', at: path };
      done.pop();
      node = null;
      continue;
    }
    const candidate = done.length === 0 ? c : `${done.join('/')}/${c}`;
    const n = await lookup(candidate);
    if (!n) return { ok: false, reason: 'not-found', at: candidate };
    if (n.kind === 'symlink' && (todo.length > 0 || followFinal)) {
      if (++hops > MAX_SYMLINK_HOPS) return { ok: false, reason: 'symlink-loop', at: candidate };
      const target = n.linkTarget ?? '';
      if (target.startsWith('/')) done.length = 0;
      const parts = target.split('/').filter((s) => s !== '');
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
      node = null;
      continue;
    }
    // a component in the middle must be a directory
    if (todo.length > 0 && n.kind !== 'dir') return { ok: false, reason: 'not-a-directory', at: candidate };
    done.push(c);
    node = n;
  }
  const finalPath = done.join('/');
  if (!node) {
    // ended on ".." or a link to a directory: look the final path up once more
    const n = await lookup(finalPath);
    if (!n) return { ok: false, reason: 'not-found', at: finalPath };
    node = n;
  }
  return { ok: true, path: finalPath, node };
}
