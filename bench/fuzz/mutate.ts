/**
 * Inputs for the fuzzer: fast-check arbitraries that mutate real files (byte-level edits, splices
 * of tokens parsers trip on, structural JSON edits, deep nesting) or generate documents outright.
 * Every input is a pure function of fast-check's seed, so a case is reproduced from (seed, index).
 */
import fc from 'fast-check';

/** Tokens that parsers of JSON, YAML, TOML, XML, deb822 and lockfiles trip on. */
export const TOKENS: readonly string[] = [
  'null', '[]', '{}', '""', "''", '-1', '0', '1e308', '-0', '9'.repeat(400), 'NaN', 'true', '\u0000', '\uFFFD', '\uD800', 'v', 'vfoo', 'v1.x',
  '../', '../../etc/passwd', '/', '@', '%', '%00', '${', '${a}', '"', '\\', '\n', '\r\n', '\r', '\t', ' ', ':', ': ', '=', '==', '===',
  '~', '^', '*', '&a ', '*a', '!!binary ', '!custom ', '? ', '- ', '|\n', '>\n', '---\n', '...\n', '%YAML 1.1\n', '<<: *a', '#',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{"__proto__":{"x":1}}', '[[[[[[', ']]]]', '{{{{', '}}}}',
  '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '&a;', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '</', '/>', '[[package]]', '[a.b]', '"""',
  'Package: ', 'Version: ', 'Status: install ok installed\n', 'P:', 'V:', 'go ', 'require ', 'replace ', '=> ', '(', ')', '//',
  'pkg:npm/x@1', 'pkg:golang/x@vfoo', 'sha256:', 'sha256:' + '0'.repeat(64), 'application/vnd.oci.image.index.v1+json', '-'.repeat(300),
  'a'.repeat(5000), '\u202e', '\u00e9', '\u{1F600}', '0x7fffffff', '4294967296', '-9223372036854775809',
];

const pos = (n: number, len: number): number => (len === 0 ? 0 : n % (len + 1));

export type Op =
  | { k: 'flip'; at: number; bit: number }
  | { k: 'byte'; at: number; v: number }
  | { k: 'insert'; at: number; s: string }
  | { k: 'delete'; at: number; len: number }
  | { k: 'dup'; at: number; len: number; to: number; times: number }
  | { k: 'truncate'; at: number }
  | { k: 'nest'; at: number; depth: number; open: string; close: string };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ k: fc.constant('byte' as const), at: fc.nat(), v: fc.constantFrom(0, 0x0a, 0x20, 0x22, 0x27, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xff) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), s: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })) }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ k: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 256 }), to: fc.nat(), times: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('nest' as const), at: fc.nat(), depth: fc.integer({ min: 10, max: 3_000 }), open: fc.constantFrom('[', '{"a":', '- ', 'a:\n ', '<a>'), close: fc.constantFrom(']', '}', '', '</a>') }),
);

/** Applies byte-level edits; positions wrap to the current length. */
export function applyOps(input: Uint8Array, ops: readonly Op[]): Buffer {
  let b = Buffer.from(input);
  for (const op of ops) {
    const at = pos(op.at, b.length);
    switch (op.k) {
      case 'flip': if (b.length) { const i = op.at % b.length; b[i] ^= 1 << op.bit; } break;
      case 'byte': if (b.length) b[op.at % b.length] = op.v; break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), Buffer.from(op.s), b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + op.len)]); break;
      case 'dup': {
        const chunk = b.subarray(at, at + op.len);
        const to = pos(op.to, b.length);
        b = Buffer.concat([b.subarray(0, to), ...Array.from({ length: op.times }, () => chunk), b.subarray(to)]);
        break;
      }
      case 'truncate': b = b.subarray(0, at); break;
      case 'nest': b = Buffer.concat([b.subarray(0, at), Buffer.from(op.open.repeat(op.depth) + op.close.repeat(op.depth)), b.subarray(at)]); break;
    }
    if (b.length > 8 * 1024 * 1024) b = b.subarray(0, 8 * 1024 * 1024);
  }
  return b;
}

/** Values to drop into a JSON document: the usual suspects plus small arbitrary JSON. */
const jsonReplacement: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'v', 'vfoo', '../x', '__proto__', [], {}, [null], { __proto__: null }, '\u0000', 'a'.repeat(3000)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 20 }),
);

export type JsonEdit = { k: 'replace' | 'delete' | 'rename' | 'wrap'; node: number; value: unknown; name: string };
export const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.record({
  k: fc.constantFrom('replace' as const, 'delete' as const, 'rename' as const, 'wrap' as const),
  node: fc.nat(),
  value: jsonReplacement,
  name: fc.oneof(fc.constantFrom('__proto__', 'constructor', '', 'version', 'name', 'dependencies', 'packages', 'components', 'manifests', 'layers', 'config'), fc.string({ maxLength: 8 })),
});

/** Structural edits of a JSON document (a node picked by index, in walk order); non-JSON input is returned as is. */
export function applyJsonEdits(input: Uint8Array, edits: readonly JsonEdit[]): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(input).toString('utf8'));
  } catch {
    return Buffer.from(input);
  }
  for (const e of edits) {
    // containers and their keys, iteratively
    const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
    const stack: unknown[] = [doc];
    while (stack.length && slots.length < 100_000) {
      const v = stack.pop();
      if (!v || typeof v !== 'object') continue;
      if (Array.isArray(v)) v.forEach((x, i) => { slots.push({ parent: v, key: i }); stack.push(x); });
      else for (const k of Object.keys(v)) { slots.push({ parent: v as Record<string, unknown>, key: k }); stack.push((v as Record<string, unknown>)[k]); }
    }
    if (!slots.length) { doc = structuredClone(e.value); continue; }
    const { parent, key } = slots[e.node % slots.length];
    const cur = (parent as Record<string | number, unknown>)[key];
    // a copy: fast-check hands out the same constant objects again, which would make cycles
    if (e.k === 'replace') (parent as Record<string | number, unknown>)[key] = structuredClone(e.value);
    else if (e.k === 'wrap') (parent as Record<string | number, unknown>)[key] = [cur];
    else if (e.k === 'delete') { if (Array.isArray(parent)) parent.splice(key as number, 1); else delete parent[key as string]; }
    else if (!Array.isArray(parent)) { delete parent[key as string]; Object.defineProperty(parent, e.name, { value: cur, enumerable: true, writable: true, configurable: true }); }
  }
  return Buffer.from(JSON.stringify(doc) ?? 'null');
}

/** A seed file mutated: structural JSON edits, then byte edits (either may be empty). */
export function mutatedSeed(seeds: readonly Uint8Array[]): fc.Arbitrary<Buffer> {
  return fc
    .record({ i: fc.nat(), json: fc.array(jsonEditArb, { maxLength: 4 }), ops: fc.array(opArb, { maxLength: 6 }) })
    .map(({ i, json, ops }) => applyOps(applyJsonEdits(seeds[i % seeds.length], json), ops));
}

/** Generated documents: arbitrary JSON, deep nesting, text, bytes. */
export const generated: fc.Arbitrary<Buffer> = fc.oneof(
  fc.jsonValue({ maxDepth: 6 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  fc.record({ depth: fc.integer({ min: 100, max: 20_000 }), open: fc.constantFrom('[', '{"a":', '- ', '<a>', 'a:\n'), close: fc.constantFrom(']', '}', '', '</a>') })
    .map(({ depth, open, close }) => Buffer.from(open.repeat(depth) + close.repeat(depth))),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
);

/** Mostly mutations of real files, some generated documents. */
export function inputs(seeds: readonly Uint8Array[]): fc.Arbitrary<Buffer> {
  return seeds.length ? fc.oneof({ arbitrary: mutatedSeed(seeds), weight: 8 }, { arbitrary: generated, weight: 1 }) : generated;
}
