/**
 * Derives a JSON Schema (draft-07) for the AWS Security Finding Format from botocore's service model
 * of Security Hub (`botocore/data/securityhub/2018-10-26/service-2.json`): AWS publishes no JSON
 * Schema for ASFF, but the model defines `AwsSecurityFinding` — members, required members, types,
 * enums, patterns and min/max — and its member documentation states the length and item limits
 * ("Length Constraints: Minimum length of 1. Maximum length of 256.", "Maximum number of 50 items").
 *
 *   node --import tsx scripts/derive-schema.ts asff service-2.json [AwsSecurityFinding] > out.json
 *
 * Mapping: structure → object with only its members (additionalProperties false; a union allows
 * exactly one member), list → array (min/max → minItems/maxItems), map → object whose values follow
 * the value shape, string → string (enum, pattern, min/max → minLength/maxLength), integer/long →
 * integer, double/float → number, boolean, timestamp → string (ISO 8601 in JSON), document → any.
 * Structures and maps are `$defs`; scalars and lists are written inline so that a member's
 * documented limits can sit next to them.
 */
type Json = Record<string, unknown>;
interface Member { shape: string; documentation?: string }
interface Shape {
  type: string; members?: Record<string, Member>; required?: string[]; member?: Member; key?: Member; value?: Member;
  enum?: string[]; pattern?: string; min?: number; max?: number; union?: boolean; document?: boolean;
}
export interface BotocoreModel { metadata: { apiVersion: string }; shapes: Record<string, Shape> }

/** The limits a member's documentation states (HTML text). */
export function documentedLimits(doc: string | undefined, kind: 'string' | 'array' | 'integer' | 'map' | 'other'): Json {
  if (!doc) return {};
  const text = doc.replace(/<[^>]+>/g, '');
  const out: Json = {};
  if (kind === 'string') {
    const exact = /Length Constraints:\s*(\d+)\s*\./.exec(text);
    if (exact) { out.minLength = Number(exact[1]); out.maxLength = Number(exact[1]); }
    const min = /Length Constraints:[^.]*?Minimum length of (\d+)/.exec(text);
    const max = /Length Constraints:(?:[^.]*\.)?[^.]*?Maximum length of (\d+)/.exec(text);
    if (min) out.minLength = Number(min[1]);
    if (max) out.maxLength = Number(max[1]);
  }
  if (kind === 'array') {
    const min = /Minimum number of (\d+) items?/.exec(text);
    const max = /Maximum number of (\d+) items?/.exec(text);
    if (min) out.minItems = Number(min[1]);
    if (max) out.maxItems = Number(max[1]);
  }
  if (kind === 'map') {
    const pairs = /up to (\d+) key-value pairs/.exec(text);
    const sizes = /the key can contain up to (\d+) characters, and the value can contain up to (\d+) characters/.exec(text);
    if (pairs) out.maxProperties = Number(pairs[1]);
    if (sizes) { out.propertyNames = { maxLength: Number(sizes[1]) }; out.additionalProperties = { maxLength: Number(sizes[2]) }; }
  }
  if (kind === 'integer') {
    const range = /integer between (\d+) and (\d+)/.exec(text);
    if (range) { out.minimum = Number(range[1]); out.maximum = Number(range[2]); }
  }
  return out;
}

export function asffSchema(model: BotocoreModel, root = 'AwsSecurityFinding'): Json {
  const shapes = model.shapes;
  const defs: Json = {};
  const queue: string[] = [];
  const wanted = new Set<string>();
  const ref = (name: string) => {
    if (!wanted.has(name)) { wanted.add(name); queue.push(name); }
    return { $ref: `#/$defs/${name}` };
  };

  const kindOf = (s: Shape): 'string' | 'array' | 'integer' | 'map' | 'other' =>
    s.type === 'string' ? 'string' : s.type === 'list' ? 'array' : s.type === 'integer' || s.type === 'long' ? 'integer' : s.type === 'map' ? 'map' : 'other';

  /** A member's schema: scalars and lists inline (with the member's documented limits), the rest by reference. */
  const use = (m: Member): Json => {
    const s = shapes[m.shape];
    if (!s) throw new Error(`unknown shape ${m.shape}`);
    const limits = documentedLimits(m.documentation, kindOf(s));
    if (s.type === 'structure' || s.type === 'map') return Object.keys(limits).length ? { allOf: [ref(m.shape)], ...limits } : ref(m.shape);
    return { ...inline(s), ...limits };
  };

  const inline = (s: Shape): Json => {
    switch (s.type) {
      case 'string': {
        const o: Json = { type: 'string' };
        if (s.enum) o.enum = s.enum;
        if (s.pattern !== undefined) o.pattern = s.pattern;
        if (s.min !== undefined) o.minLength = s.min;
        if (s.max !== undefined) o.maxLength = s.max;
        return o;
      }
      case 'integer': case 'long': {
        const o: Json = { type: 'integer' };
        if (s.min !== undefined) o.minimum = s.min;
        if (s.max !== undefined) o.maximum = s.max;
        return o;
      }
      case 'double': case 'float': return { type: 'number' };
      case 'boolean': return { type: 'boolean' };
      case 'timestamp': return { type: 'string' };
      case 'list': {
        const o: Json = { type: 'array', items: use(s.member!) };
        if (s.min !== undefined) o.minItems = s.min;
        if (s.max !== undefined) o.maxItems = s.max;
        return o;
      }
      case 'structure': {
        if (s.document) return {};
        const properties: Json = {};
        for (const [name, m] of Object.entries(s.members ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) properties[name] = use(m);
        const o: Json = { type: 'object', properties, additionalProperties: false };
        if (s.required?.length) o.required = [...s.required];
        if (s.union) { o.minProperties = 1; o.maxProperties = 1; }
        return o;
      }
      case 'map': return { type: 'object', propertyNames: inline(shapes[s.key!.shape]), additionalProperties: use(s.value!) };
      default: throw new Error(`shape type ${s.type} not handled`);
    }
  };

  const top = shapes[root];
  if (!top || top.type !== 'structure') throw new Error(`no structure ${root} in the model`);
  const schema = inline(top);
  while (queue.length) {
    const n = queue.shift()!;
    defs[n] = shapes[n].document ? {} : inline(shapes[n]);
  }
  const sorted: Json = {};
  for (const k of Object.keys(defs).sort()) sorted[k] = defs[k];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: `https://vigil.invalid/schemas/securityhub-${model.metadata.apiVersion}/${root}.json`,
    $comment: `Derived by src/integrations/schemas/derive-asff.ts from botocore's securityhub ${model.metadata.apiVersion} service model; see src/integrations/schemas/README.md`,
    ...schema,
    $defs: sorted,
  };
}

