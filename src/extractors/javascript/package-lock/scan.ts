/**
 * A lean reading of a v2/v3 package-lock: the bytes are walked once and each `packages` entry is
 * handed over as its own small parsed object, so the whole document never exists as one string or
 * one object graph (a 200k-package lockfile is ~80 MB of text and several hundred MB parsed).
 *
 * Only well-formed documents are read this way; the walk validates the JSON as it goes (strings,
 * escapes, numbers, literals, nesting without recursion) and returns null at anything it does not
 * take: invalid JSON, a top level that is not an object, a repeated key, no `packages` object, a
 * `lockfileVersion` that is not a whole number ≥ 1, a `dependencies` that is not an object. The
 * caller then parses the text whole, which gives those cases their usual messages.
 */

/** What the walk found: the top-level fields it checked, and whether every entry was handed over. */
export interface LeanLock {
  entries: number;
}

const SP = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BSL = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const LBRACE = 0x7b, RBRACE = 0x7d, LBRACK = 0x5b, RBRACK = 0x5d;

function ws(b: Buffer, i: number): number {
  for (;;) {
    const c = b[i];
    if (c === SP || c === LF || c === CR || c === TAB) i++;
    else return i;
  }
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
const ESC = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESC[c.charCodeAt(0)] = 1;

/** b[i] is '"': the index after the closing quote, or -1; `esc[0]` tells whether it held an escape. */
function skipString(b: Buffer, i: number, esc?: boolean[]): number {
  const n = b.length;
  for (i++; i < n; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c === BSL) {
      if (esc) esc[0] = true;
      const e = b[++i];
      if (e === undefined || !ESC[e]) return -1;
      if (e === 0x75) {
        if (i + 4 >= n || !HEX[b[i + 1]] || !HEX[b[i + 2]] || !HEX[b[i + 3]] || !HEX[b[i + 4]]) return -1;
        i += 4;
      }
    }
  }
  return -1;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

function skipNumber(b: Buffer, i: number): number {
  if (b[i] === 0x2d) i++;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i])) while (isDigit(b[i])) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (!isDigit(b[i])) return -1;
    while (isDigit(b[i])) i++;
  }
  return i;
}

function skipLiteral(b: Buffer, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** A member's `"key":` at b[i]: the index of its value (white space skipped), or -1. */
function memberKey(b: Buffer, i: number): number {
  if (b[i] !== QUOTE) return -1;
  i = skipString(b, i);
  if (i < 0) return -1;
  i = ws(b, i);
  return b[i] === COLON ? ws(b, i + 1) : -1;
}

/** Validates one JSON value starting at b[i] (after white space); the index after it, or -1. */
export function skipValue(b: Buffer, i: number): number {
  // open containers: LBRACE or LBRACK; `expect` what may come next
  const stack: number[] = [];
  i = ws(b, i);
  for (;;) {
    const c = b[i];
    let end: number;
    if (c === LBRACE || c === LBRACK) {
      stack.push(c);
      i = ws(b, i + 1);
      if (b[i] === (c === LBRACE ? RBRACE : RBRACK)) {
        stack.pop();
        end = i + 1;
      } else {
        if (c === LBRACE && (i = memberKey(b, i)) < 0) return -1;
        continue;
      }
    } else if (c === QUOTE) end = skipString(b, i);
    else if (c === 0x74) end = skipLiteral(b, i, 'true');
    else if (c === 0x66) end = skipLiteral(b, i, 'false');
    else if (c === 0x6e) end = skipLiteral(b, i, 'null');
    else end = skipNumber(b, i);
    if (end < 0) return -1;
    // after a value: close containers or go on to the next member
    i = end;
    for (;;) {
      if (stack.length === 0) return i;
      i = ws(b, i);
      const top = stack[stack.length - 1];
      if (b[i] === COMMA) {
        i = ws(b, i + 1);
        if (top === LBRACE && (i = memberKey(b, i)) < 0) return -1;
        break;
      }
      if (b[i] === (top === LBRACE ? RBRACE : RBRACK)) {
        stack.pop();
        i++;
        continue;
      }
      return -1;
    }
  }
}

/**
 * The members named in `fields` of the (already validated) object at b[s]: each value parsed on
 * its own, the others skipped as bytes. Undefined when a key holds an escape (then the caller
 * parses the whole object) or a field repeats (JSON.parse keeps the last).
 */
function pick(b: Buffer, s: number, fields: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let i = ws(b, s + 1);
  if (b[i] === RBRACE) return out;
  for (;;) {
    const ks = i;
    const esc = [false];
    const ke = skipString(b, ks, esc);
    if (esc[0]) return undefined;
    let field: string | undefined;
    const len = ke - ks - 2;
    for (const f of fields) {
      if (f.length !== len) continue;
      let k = 0;
      while (k < len && b[ks + 1 + k] === f.charCodeAt(k)) k++;
      if (k === len) {
        field = f;
        break;
      }
    }
    i = ws(b, ws(b, ke) + 1);
    const ve = skipValue(b, i);
    if (field !== undefined) {
      if (field in out) return undefined;
      out[field] = JSON.parse(b.toString('utf8', i, ve));
    }
    i = ws(b, ve);
    if (b[i] === RBRACE) return out;
    i = ws(b, i + 1);
  }
}

/** A JSON string's value (b[s] is the opening quote, e the index after the closing one). */
function stringAt(b: Buffer, s: number, e: number, escaped: boolean): string {
  return escaped ? (JSON.parse(b.toString('utf8', s, e)) as string) : b.toString('utf8', s + 1, e - 1);
}

/**
 * A 52-bit hash of the key's bytes b[s..e) (two FNV-1a variants), appended at `n`: repeated keys are
 * found by sorting these at the end instead of keeping every key in a set (~15 MB at 200k keys). A
 * collision only sends the file to the whole-text reading.
 */
function pushHash(hashes: Float64Array, n: number, b: Buffer, s: number, e: number): Float64Array {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let k = s; k < e; k++) {
    h1 = Math.imul(h1 ^ b[k], 0x01000193);
    h2 = Math.imul(h2 ^ b[k], 0x5bd1e995) ^ (h2 >>> 15);
  }
  if (n === hashes.length) {
    const bigger = new Float64Array(n * 2);
    bigger.set(hashes);
    hashes = bigger;
  }
  hashes[n] = (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
  return hashes;
}

function repeats(hashes: Float64Array): boolean {
  const sorted = hashes.slice().sort();
  for (let k = 1; k < sorted.length; k++) if (sorted[k] === sorted[k - 1]) return true;
  return false;
}

/**
 * Walks a package-lock's bytes, calling `onEntry(key, value)` for each member of `packages` in
 * document order (value freshly parsed, any JSON type; with `fields`, an object entry holds only
 * those of its members, the rest never become strings and objects). Returns null when the document is not one
 * it reads this way (see the file's comment): nothing it reported may then be used.
 */
export function leanPackages(b: Buffer, onEntry: (key: string, value: unknown) => void, fields?: readonly string[]): LeanLock | null {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  i = ws(b, i);
  if (b[i] !== LBRACE) return null;
  i = ws(b, i + 1);
  const topKeys = new Set<string>();
  let sawPackages = false;
  let entries = 0;
  let keyHashes: Float64Array = new Float64Array(1024);
  const esc = [false];
  if (b[i] === RBRACE) return null;
  for (;;) {
    if (b[i] !== QUOTE) return null;
    esc[0] = false;
    const ke = skipString(b, i, esc);
    if (ke < 0) return null;
    const key = stringAt(b, i, ke, esc[0]);
    if (topKeys.has(key)) return null;
    topKeys.add(key);
    i = ws(b, ke);
    if (b[i] !== COLON) return null;
    i = ws(b, i + 1);
    if (key === 'packages') {
      if (b[i] !== LBRACE) return null;
      sawPackages = true;
      i = ws(b, i + 1);
      if (b[i] === RBRACE) i++;
      else {
        for (;;) {
          if (b[i] !== QUOTE) return null;
          esc[0] = false;
          const pe = skipString(b, i, esc);
          if (pe < 0) return null;
          const pkey = stringAt(b, i, pe, esc[0]);
          keyHashes = pushHash(keyHashes, entries, b, i, pe);
          i = ws(b, pe);
          if (b[i] !== COLON) return null;
          const vs = ws(b, i + 1);
          const ve = skipValue(b, vs);
          if (ve < 0) return null;
          onEntry(pkey, (fields && b[vs] === LBRACE ? pick(b, vs, fields) : undefined) ?? JSON.parse(b.toString('utf8', vs, ve)));
          entries++;
          i = ws(b, ve);
          if (b[i] === COMMA) {
            i = ws(b, i + 1);
            continue;
          }
          if (b[i] !== RBRACE) return null;
          i++;
          break;
        }
      }
    } else {
      const vs = i;
      i = skipValue(b, vs);
      if (i < 0) return null;
      if (key === 'lockfileVersion') {
        const v = JSON.parse(b.toString('utf8', vs, i));
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return null;
      } else if (key === 'dependencies' && b[vs] !== LBRACE) return null;
    }
    i = ws(b, i);
    if (b[i] === COMMA) {
      i = ws(b, i + 1);
      continue;
    }
    if (b[i] !== RBRACE) return null;
    i = ws(b, i + 1);
    // nothing may follow the document
    if (i !== b.length) return null;
    // a repeated key: JSON.parse keeps the last one; the whole-text reading does that
    if (repeats(keyHashes.subarray(0, entries))) return null;
    return sawPackages ? { entries } : null;
  }
}
