/**
 * A lean reading of a v2/v3 package-lock: the bytes are walked once and each `packages` entry is
 * handed over as its own small parsed object, so the whole document never exists as one string or
 * one object graph (a 200k-package lockfile is ~80 MB of text and several hundred MB parsed).
 *
 * The bytes may come in pieces (LeanReader: a file read in chunks is never held whole either; a
 * step that runs into the end of a piece waits for the next one).
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

/** Where the reader is in the document (see LeanReader.step). */
const At = { Start: 0, TopKey: 1, PackagesFirst: 2, Entry: 3, Version: 4, Skip: 5, AfterTop: 6, End: 7 } as const;
type At = (typeof At)[keyof typeof At];

/** A step could not finish: invalid bytes, or (before the end of the input) bytes not read yet. */
const SHORT = -1;

/**
 * A push reader of a package-lock's bytes: `feed` it the file in pieces of any size, then `end`.
 * It calls `onEntry(key, value)` for each member of `packages` in document order (value freshly
 * parsed, any JSON type; with `fields`, an object entry holds only those of its members, the rest
 * never become strings and objects). `end` returns null when the document is not one it reads this
 * way (see the file's comment): nothing it reported may then be used. `failed` turns true as soon
 * as that is known, so the caller can stop reading.
 *
 * It keeps only the bytes of the step in progress: a step is the BOM and the opening brace, one
 * top-level key, one `packages` member with the separator after it, or one token of another
 * top-level value (a v2 `dependencies` tree is skipped token by token, its containers on a stack).
 * A step that runs out of bytes is tried again once the bytes after its start have doubled (so a
 * hostile 50 MB string is scanned a few times, not once per piece); a step that still fails at the
 * end of the input makes the document one this reader does not take.
 */
export class LeanReader {
  /** true once the document is known not to be one this reader takes */
  failed = false;
  private b: Buffer = Buffer.alloc(0);
  /** where the next step starts in `b` (what comes before it is done with) */
  private i = 0;
  /** pieces fed while a step waits for more bytes, and their length */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** the step in progress needs this many bytes from `i` before it is tried again */
  private need = 0;
  private eof = false;
  private at: At = At.Start;
  private readonly topKeys = new Set<string>();
  private sawPackages = false;
  private entries = 0;
  private keyHashes: Float64Array = new Float64Array(1024);
  /** containers (LBRACE, LBRACK) of the top-level value being skipped, and what comes next in it */
  private readonly stack: number[] = [];
  private skipNext: 'value' | 'key' | 'after' = 'value';
  private readonly esc = [false];

  constructor(
    private readonly onEntry: (key: string, value: unknown) => void,
    private readonly fields?: readonly string[],
  ) {}

  /** The next piece of the document. */
  feed(piece: Buffer): void {
    if (this.failed || piece.length === 0) return;
    this.pending.push(piece);
    this.pendingBytes += piece.length;
    if (this.b.length - this.i + this.pendingBytes >= this.need) this.run();
  }

  /**
   * The end of the document (with its last piece, when given).
   * @returns the number of `packages` entries handed over, or null (see the class comment)
   */
  end(last?: Buffer): LeanLock | null {
    if (last && last.length) {
      this.pending.push(last);
      this.pendingBytes += last.length;
    }
    this.eof = true;
    if (!this.failed) this.run();
    if (this.failed || this.at !== At.End) return null;
    // a repeated key: JSON.parse keeps the last one; the whole-text reading does that
    if (repeats(this.keyHashes.subarray(0, this.entries))) return null;
    return this.sawPackages ? { entries: this.entries } : null;
  }

  /** Takes the pending pieces into `b` (dropping what is done with) and runs steps until one runs short. */
  private run(): void {
    if (this.pendingBytes) {
      const rest = this.b.length - this.i;
      this.b = rest === 0 && this.pending.length === 1 ? this.pending[0] : Buffer.concat([this.b.subarray(this.i), ...this.pending], rest + this.pendingBytes);
      this.i = 0;
      this.pending = [];
      this.pendingBytes = 0;
    }
    for (;;) {
      const next = this.step();
      if (next === SHORT) {
        if (this.eof || this.failed) {
          this.failed = true;
          return;
        }
        // wait until the bytes from the step's start have doubled
        this.need = 2 * (this.b.length - this.i) + 1;
        return;
      }
      this.i = next;
      this.need = 0;
      if (this.at === At.End && this.eof && next === this.b.length) return;
    }
  }

  private fail(): number {
    this.failed = true;
    return SHORT;
  }

  /** One step from `this.i`: the index after it, with `at` and the reader's state updated only then; or SHORT. */
  private step(): number {
    const b = this.b;
    // white space between tokens may have been cut off at the end of the last piece
    let i = this.at === At.Start ? this.i : ws(this.b, this.i);
    switch (this.at) {
      case At.Start: {
        if (b.length < 3 && !this.eof) return SHORT;
        if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
        i = ws(b, i);
        if (b[i] === undefined) return SHORT;
        if (b[i] !== LBRACE) return this.fail();
        i = ws(b, i + 1);
        if (b[i] === undefined) return SHORT;
        // an empty top level has no packages
        if (b[i] === RBRACE) return this.fail();
        this.at = At.TopKey;
        return i;
      }
      case At.TopKey: {
        if (b[i] === undefined) return SHORT;
        if (b[i] !== QUOTE) return this.fail();
        this.esc[0] = false;
        const ke = skipString(b, i, this.esc);
        if (ke < 0) return SHORT;
        const key = stringAt(b, i, ke, this.esc[0]);
        if (this.topKeys.has(key)) return this.fail();
        i = ws(b, ke);
        if (b[i] === undefined) return SHORT;
        if (b[i] !== COLON) return this.fail();
        i = ws(b, i + 1);
        const c = b[i];
        if (c === undefined) return SHORT;
        if (key === 'packages') {
          if (c !== LBRACE) return this.fail();
          this.sawPackages = true;
          i = ws(b, i + 1);
          this.at = At.PackagesFirst;
        } else if (key === 'lockfileVersion') this.at = At.Version;
        else {
          if (key === 'dependencies' && c !== LBRACE) return this.fail();
          this.skipNext = 'value';
          this.at = At.Skip;
        }
        this.topKeys.add(key);
        return i;
      }
      case At.PackagesFirst:
        if (b[i] === undefined) return SHORT;
        if (b[i] === RBRACE) {
          this.at = At.AfterTop;
          return i + 1;
        }
        this.at = At.Entry;
        return i;
      case At.Entry: {
        // one member of `packages` and the separator after it, or nothing
        if (b[i] === undefined) return SHORT;
        if (b[i] !== QUOTE) return this.fail();
        this.esc[0] = false;
        const pe = skipString(b, i, this.esc);
        if (pe < 0) return SHORT;
        let j = ws(b, pe);
        if (b[j] === undefined) return SHORT;
        if (b[j] !== COLON) return this.fail();
        const vs = ws(b, j + 1);
        const ve = skipValue(b, vs);
        if (ve < 0) return SHORT;
        j = ws(b, ve);
        const sep = b[j];
        if (sep === undefined) return SHORT;
        if (sep !== COMMA && sep !== RBRACE) return this.fail();
        const pkey = stringAt(b, i, pe, this.esc[0]);
        this.keyHashes = pushHash(this.keyHashes, this.entries, b, i, pe);
        this.entries++;
        const f = this.fields;
        this.onEntry(pkey, (f && b[vs] === LBRACE ? pick(b, vs, f) : undefined) ?? JSON.parse(b.toString('utf8', vs, ve)));
        if (sep === RBRACE) {
          this.at = At.AfterTop;
          return j + 1;
        }
        return ws(b, j + 1);
      }
      case At.Version: {
        // the value and the separator after it (a number cut at the end of a piece is not whole)
        const ve = skipValue(b, i);
        if (ve < 0) return SHORT;
        const j = ws(b, ve);
        if (b[j] === undefined) return SHORT;
        const v = JSON.parse(b.toString('utf8', i, ve));
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return this.fail();
        this.at = At.AfterTop;
        return j;
      }
      case At.Skip:
        return this.skipToken(b, i);
      case At.AfterTop: {
        const c = b[i];
        if (c === undefined) return SHORT;
        if (c === COMMA) {
          i = ws(b, i + 1);
          this.at = At.TopKey;
          return i;
        }
        if (c !== RBRACE) return this.fail();
        this.at = At.End;
        return i + 1;
      }
      case At.End:
        // nothing but white space may follow the document
        if (i !== b.length) return this.fail();
        return this.eof ? i : SHORT;
    }
  }

  /** One token of a top-level value other than `packages` and `lockfileVersion` (validated, not kept). */
  private skipToken(b: Buffer, i: number): number {
    const stack = this.stack;
    i = ws(b, i);
    const c = b[i];
    if (c === undefined) return SHORT;
    switch (this.skipNext) {
      case 'key': {
        const v = memberKey(b, i);
        if (v < 0) return SHORT;
        this.skipNext = 'value';
        return v;
      }
      case 'value': {
        if (c === LBRACE || c === LBRACK) {
          const j = ws(b, i + 1);
          const d = b[j];
          if (d === undefined) return SHORT;
          if (d === (c === LBRACE ? RBRACE : RBRACK)) {
            this.skipNext = 'after';
            return this.afterValue(j + 1);
          }
          stack.push(c);
          this.skipNext = c === LBRACE ? 'key' : 'value';
          return j;
        }
        let end: number;
        if (c === QUOTE) end = skipString(b, i);
        else if (c === 0x74) end = skipLiteral(b, i, 'true');
        else if (c === 0x66) end = skipLiteral(b, i, 'false');
        else if (c === 0x6e) end = skipLiteral(b, i, 'null');
        else {
          end = skipNumber(b, i);
          // digits up to the end of what was read may go on in the next piece
          if (end === b.length && !this.eof) return SHORT;
        }
        if (end < 0) return SHORT;
        this.skipNext = 'after';
        return this.afterValue(end);
      }
      case 'after': {
        const top = stack[stack.length - 1];
        if (c === COMMA) {
          this.skipNext = top === LBRACE ? 'key' : 'value';
          return ws(b, i + 1);
        }
        if (c !== (top === LBRACE ? RBRACE : RBRACK)) return this.fail();
        stack.pop();
        return this.afterValue(i + 1);
      }
    }
  }

  /** After a whole value of the skipped member: back at the top level when no container is open. */
  private afterValue(i: number): number {
    if (this.stack.length === 0) this.at = At.AfterTop;
    return i;
  }
}

/**
 * Walks a whole package-lock's bytes (LeanReader in one piece): `onEntry` for each member of
 * `packages`; null when the document is not one it reads this way.
 */
export function leanPackages(b: Buffer, onEntry: (key: string, value: unknown) => void, fields?: readonly string[]): LeanLock | null {
  return new LeanReader(onEntry, fields).end(b);
}
