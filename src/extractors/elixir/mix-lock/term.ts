/**
 * A reader for the subset of Elixir term syntax that mix.lock uses (Mix writes the lock with
 * `inspect/2`, see Mix.Dep.Lock): a map literal `%{"key": value, …}` (or `"key" => value`)
 * whose values are tuples, lists, keyword lists (`[hex: :x, optional: false]`), atoms (`:hex`,
 * `:"quoted"`, bare `true`/`false`/`nil`), double-quoted strings and integers. Nothing is
 * evaluated: anything else (a function call, a sigil, `#{}` interpolation, a variable) is an error
 * naming the offset. Bounded: nesting depth and token count.
 */

export type Term =
  | { t: 'atom'; v: string }
  | { t: 'str'; v: string }
  | { t: 'int'; v: number }
  | { t: 'list'; v: Term[] }
  | { t: 'tuple'; v: Term[] }
  | { t: 'map'; v: [Term, Term][] };

export class TermError extends Error {}

const MAX_DEPTH = 64;
const MAX_ITEMS = 2_000_000;

/** Parses one term (the whole text, comments `# …` and whitespace allowed around it). @throws TermError */
export function parseTerm(text: string): Term {
  let i = 0;
  let items = 0;
  const n = text.length;
  const fail = (why: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new TermError(`${why} at line ${line}, offset ${i}`);
  };
  const skip = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) i++;
      else if (c === 35 /* # */) { while (i < n && text[i] !== '\n') i++; }
      else break;
    }
  };
  const ident = /[A-Za-z_][A-Za-z0-9_@]*[?!]?/y;
  const str = (): string => {
    // at the opening quote
    i++;
    let out = '';
    let start = i;
    while (i < n) {
      const c = text[i];
      if (c === '"') { out += text.slice(start, i); i++; return out; }
      if (c === '\\') {
        out += text.slice(start, i);
        const e = text[i + 1];
        if (e === undefined) break;
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '#': '#', s: ' ', e: '\x1b', '0': '\0' };
        if (!(e in map)) fail(`unsupported escape \\${e} in a string`);
        out += map[e];
        i += 2;
        start = i;
        continue;
      }
      if (c === '#' && text[i + 1] === '{') fail('string interpolation is not a literal');
      i++;
    }
    return fail('unterminated string');
  };
  const value = (depth: number): Term => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH}`);
    if (++items > MAX_ITEMS) fail(`more than ${MAX_ITEMS} terms`);
    skip();
    const c = text[i];
    if (c === undefined) return fail('unexpected end of input');
    if (c === '"') return { t: 'str', v: str() };
    if (c === ':') {
      i++;
      if (text[i] === '"') return { t: 'atom', v: str() };
      ident.lastIndex = i;
      const m = ident.exec(text);
      if (!m) return fail('an atom name expected after ":"');
      i += m[0].length;
      return { t: 'atom', v: m[0] };
    }
    if (c === '{') { i++; return { t: 'tuple', v: seq('}', depth) }; }
    if (c === '[') { i++; return { t: 'list', v: seq(']', depth) }; }
    if (c === '%') {
      i++;
      if (text[i] !== '{') return fail('only map literals %{…} are supported after "%"');
      i++;
      return { t: 'map', v: pairs(depth) };
    }
    if (/[0-9-]/.test(c)) {
      const m = /-?[0-9][0-9_]*/y;
      m.lastIndex = i;
      const r = m.exec(text);
      if (!r) return fail('a number expected');
      i += r[0].length;
      if (text[i] === '.') fail('floats are not part of mix.lock');
      return { t: 'int', v: Number(r[0].replaceAll('_', '')) };
    }
    ident.lastIndex = i;
    const m = ident.exec(text);
    if (m && (m[0] === 'true' || m[0] === 'false' || m[0] === 'nil')) { i += m[0].length; return { t: 'atom', v: m[0] }; }
    return fail(`unexpected ${JSON.stringify(c)} (only literals are read; nothing is evaluated)`);
  };
  /** a keyword key `name:` / `"name":` at i, or undefined (i unchanged) */
  const keywordKey = (): string | undefined => {
    const save = i;
    if (text[i] === '"') {
      const k = str();
      if (text[i] === ':' && /[\s]/.test(text[i + 1] ?? '')) { i++; return k; }
      i = save;
      return undefined;
    }
    ident.lastIndex = i;
    const m = ident.exec(text);
    if (m && text[i + m[0].length] === ':' && /\s/.test(text[i + m[0].length + 1] ?? '')) { i += m[0].length + 1; return m[0]; }
    return undefined;
  };
  const seq = (close: string, depth: number): Term[] => {
    const out: Term[] = [];
    for (;;) {
      skip();
      if (text[i] === close) { i++; return out; }
      const k = close === ']' ? keywordKey() : undefined;
      if (k !== undefined) out.push({ t: 'tuple', v: [{ t: 'atom', v: k }, value(depth + 1)] });
      else out.push(value(depth + 1));
      skip();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === close) { i++; return out; }
      fail(`"," or "${close}" expected`);
    }
  };
  const pairs = (depth: number): [Term, Term][] => {
    const out: [Term, Term][] = [];
    for (;;) {
      skip();
      if (text[i] === '}') { i++; return out; }
      const k = keywordKey();
      if (k !== undefined) out.push([{ t: 'atom', v: k }, value(depth + 1)]);
      else {
        const key = value(depth + 1);
        skip();
        if (text.startsWith('=>', i)) i += 2;
        else fail('"=>" or a "key:" expected in a map');
        out.push([key, value(depth + 1)]);
      }
      skip();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return out; }
      fail('"," or "}" expected');
    }
  };
  const v = value(0);
  skip();
  if (i < n) fail('text after the term');
  return v;
}
