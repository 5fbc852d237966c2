/**
 * Derives a JSON Schema (draft-07) for one OCSF event class from a compiled OCSF schema — the output
 * of OCSF's own compiler, `ocsf-schema-compiler -i -b <ocsf-schema checkout>` (browser mode, which
 * keeps each profile's attribute list) — so that Vigil's OCSF output can be validated with ajv.
 *
 *   node --import tsx scripts/derive-schema.ts ocsf compiled.json vulnerability_finding > out.json
 *
 * How OCSF maps to JSON Schema (the rules, from the OCSF dictionary's own definitions):
 * - an attribute's `type` is a dictionary data type (`string_t`, `timestamp_t`, `port_t`, …) whose
 *   chain of base types ends in string / integer / long / float / boolean / json; every level's
 *   `regex`, `max_len`, `range` and `values` become pattern / maxLength / minimum+maximum / enum;
 * - `object_t` attributes refer to the object by name (`$defs/<object>`); the object `object`
 *   (free-form JSON) is an open object; every other object allows only its attributes
 *   (additionalProperties false: an attribute OCSF does not define is an error, as the OCSF
 *   server's validator says);
 * - integer enums (`*_id`, `class_uid`, `type_uid`) allow exactly the enum's keys, `is_array` makes
 *   an array, `requirement: required` makes the attribute required;
 * - object constraints `at_least_one` / `just_one` become anyOf / oneOf of the named attributes;
 * - attributes that a profile brings (cloud, osint, …) are required only when the event names the
 *   profile in `metadata.profiles` (the class) and never inside objects (which cannot see it);
 * - deprecated attributes stay allowed and carry `deprecated: true` (an annotation).
 * Descriptions are left out (captions stay as titles) to keep the file small.
 */
type Json = Record<string, unknown>;
interface Attr { type: string; object_type?: string; is_array?: boolean; requirement?: string; enum?: Record<string, unknown>; caption?: string; '@deprecated'?: { message?: string; since?: string } }
interface Item { name: string; caption?: string; attributes: Record<string, Attr>; profiles?: string[]; constraints?: { at_least_one?: string[]; just_one?: string[] }; uid?: number }
interface TypeDef { type?: string; regex?: string; max_len?: number; range?: [number, number]; values?: unknown[] }
export interface OcsfCompiled { version: string; classes: Record<string, Item>; objects: Record<string, Item>; profiles: Record<string, { attributes?: Record<string, unknown> }>; dictionary: { types: { attributes: Record<string, TypeDef> } } }

const BASE: Record<string, string | null> = { string_t: 'string', integer_t: 'integer', long_t: 'integer', float_t: 'number', boolean_t: 'boolean', json_t: null };

export function ocsfClassSchema(c: OcsfCompiled, className: string): Json {
  const cls = c.classes[className];
  if (!cls) throw new Error(`no class ${className} in the compiled schema`);
  const types = c.dictionary.types.attributes;
  const profileAttrs = (names: string[] | undefined) => {
    const m = new Map<string, string[]>();
    for (const p of names ?? []) for (const a of Object.keys(c.profiles[p]?.attributes ?? {})) m.set(a, [...(m.get(a) ?? []), p]);
    return m;
  };

  const scalar = (typeName: string): Json => {
    const out: Json = {};
    let t = typeName;
    const seen = new Set<string>();
    // the most specific level's constraint wins (ip_t's regex, not string_t's none)
    for (;;) {
      if (seen.has(t)) throw new Error(`type cycle at ${t}`);
      seen.add(t);
      const d: TypeDef | undefined = types[t];
      if (!d) throw new Error(`unknown data type ${t}`);
      if (d.regex !== undefined) out.pattern ??= d.regex;
      if (d.max_len !== undefined) out.maxLength ??= d.max_len;
      if (d.range) { out.minimum ??= d.range[0]; out.maximum ??= d.range[1]; }
      if (d.values) out.enum ??= d.values;
      if (!d.type) break;
      t = d.type;
    }
    if (!(t in BASE)) throw new Error(`data type ${typeName} ends in ${t}, not a base type`);
    const base = BASE[t];
    if (base === 'boolean') delete out.enum; // [false, true]: the type says it
    return base ? { type: base, ...out } : out;
  };

  const wanted = new Set<string>();
  const queue: string[] = [];
  const ref = (name: string) => {
    if (!wanted.has(name)) { wanted.add(name); queue.push(name); }
    return { $ref: `#/$defs/${name}` };
  };

  const attrSchema = (a: Attr): Json => {
    let s: Json;
    if (a.type === 'object_t') {
      if (!a.object_type) throw new Error('object_t without object_type');
      s = a.object_type === 'object' ? { type: 'object' } : ref(a.object_type);
    } else {
      s = scalar(a.type);
      if (a.enum) {
        const keys = Object.keys(a.enum);
        s.enum = s.type === 'integer' ? keys.map(Number).sort((x, y) => x - y) : keys.sort();
      }
    }
    if (a.caption && !('$ref' in s)) s = { title: a.caption, ...s };
    const out: Json = a.is_array ? { type: 'array', items: s } : s;
    // an annotation (JSON Schema 2019-09's keyword; draft-07 validators ignore it): the tests keep
    // Vigil's output off deprecated attributes
    return a['@deprecated'] ? { ...out, deprecated: true } : out;
  };

  const itemSchema = (it: Item, isClass: boolean): Json => {
    const names = Object.keys(it.attributes).sort();
    if (names.length === 0) return { title: it.caption, type: 'object' };
    const byProfile = profileAttrs(it.profiles);
    const properties: Json = {};
    const required: string[] = [];
    const conditional = new Map<string, string[]>();
    for (const n of names) {
      const a = it.attributes[n];
      properties[n] = attrSchema(a);
      if (a.requirement !== 'required') continue;
      const ps = byProfile.get(n);
      if (!ps) required.push(n);
      else if (isClass) for (const p of ps) conditional.set(p, [...(conditional.get(p) ?? []), n]);
    }
    const s: Json = { title: it.caption, type: 'object', properties, additionalProperties: false };
    if (required.length) s.required = required;
    const all: Json[] = [];
    if (it.constraints?.at_least_one?.length) all.push({ anyOf: it.constraints.at_least_one.map((n) => ({ required: [n] })) });
    if (it.constraints?.just_one?.length) all.push({ oneOf: it.constraints.just_one.map((n) => ({ required: [n] })) });
    for (const [p, req] of [...conditional].sort(([a], [b]) => (a < b ? -1 : 1))) {
      all.push({
        if: { required: ['metadata'], properties: { metadata: { type: 'object', required: ['profiles'], properties: { profiles: { type: 'array', contains: { const: p } } } } } },
        then: { required: req },
      });
    }
    if (all.length) s.allOf = all;
    return s;
  };

  const root = itemSchema(cls, true);
  const defs: Json = {};
  while (queue.length) {
    const n = queue.shift()!;
    const o = c.objects[n];
    if (!o) throw new Error(`unknown object ${n}`);
    defs[n] = itemSchema(o, false);
  }
  const sorted: Json = {};
  for (const k of Object.keys(defs).sort()) sorted[k] = defs[k];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://schema.ocsf.io/${c.version}/classes/${className}`,
    $comment: `Derived by src/integrations/schemas/derive-ocsf.ts from OCSF ${c.version} compiled by ocsf-schema-compiler; see src/integrations/schemas/README.md`,
    ...root,
    $defs: sorted,
  };
}

