/**
 * The pure half of the generated forms (SchemaForm.tsx renders them): JSON schemas as zod emits
 * them into /openapi.json → field specs → form values → the object to send. No DOM or React here,
 * so test/console-forms.test.ts runs it in Node against the server's own schemas.
 */

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  title?: string;
  format?: string;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  writeOnly?: boolean;
}

export interface OpenApiDocument {
  components?: { schemas?: Record<string, JsonSchema> };
}

/**
 * A named component schema of the API as a request body takes it, or null when this server's
 * document has none by that name. fastify-type-provider-zod lists each named schema twice, as the
 * server reads it (`<name>Input`: fields with defaults optional) and as it answers (`<name>`);
 * forms want the first.
 */
export function componentSchema(doc: OpenApiDocument | undefined, name: string): JsonSchema | null {
  const schemas = doc?.components?.schemas;
  return schemas?.[`${name}Input`] ?? schemas?.[name] ?? null;
}

function resolve(s: JsonSchema, doc: OpenApiDocument | undefined, depth = 0): JsonSchema {
  if (!s.$ref || depth > 8) return s;
  const m = /^#\/components\/schemas\/(.+)$/.exec(s.$ref);
  const target = m ? doc?.components?.schemas?.[decodeURIComponent(m[1])] : undefined;
  return target ? resolve(target, doc, depth + 1) : s;
}

export type FieldKind = 'text' | 'secret' | 'multiline' | 'secret-multiline' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

export interface FieldSpec {
  name: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  description?: string;
  options?: string[];
  min?: number;
  max?: number;
  integer?: boolean;
  default?: unknown;
  minLength?: number;
  maxLength?: number;
}

/**
 * Credentials by name, besides what the schema marks (writeOnly, format password): the API's
 * configs name them password, privateKey, passphrase, webhookSecret, notificationToken.
 */
const SECRET_NAME = /password|secret|token|privatekey|passphrase/i;

/** Whether a config field holds a credential (shown as a password input; "set"/"not set" when read back). */
export function isSecretField(name: string, s?: JsonSchema): boolean {
  return Boolean(s?.writeOnly) || s?.format === 'password' || SECRET_NAME.test(name);
}

/** "rescanDuration" → "Rescan duration", "hostKeyFingerprint" → "Host key fingerprint". */
export function humanize(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]+/g, ' ').toLowerCase();
  const fixed = words.replace(/\b(url|ssh|http|sbom|api)\b/g, (w) => w.toUpperCase());
  return fixed.charAt(0).toUpperCase() + fixed.slice(1);
}

function typesOf(s: JsonSchema): string[] {
  return s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
}

function fieldOf(name: string, raw: JsonSchema, required: boolean, doc: OpenApiDocument | undefined): FieldSpec {
  const s = resolve(raw, doc);
  const base = { name, label: s.title ?? humanize(name), required, description: s.description ?? raw.description, default: s.default ?? raw.default };
  const variants = (s.anyOf ?? s.oneOf)?.map((v) => resolve(v, doc)).filter((v) => !typesOf(v).includes('null'));
  if (variants && variants.length) {
    if (variants.length === 1) return fieldOf(name, { ...variants[0], description: base.description, default: base.default }, required, doc);
    // e.g. pollSeconds: 0 | 10…2592000 — one number input spanning the variants
    const numeric = variants.every((v) => typesOf(v).some((t) => t === 'number' || t === 'integer') || typeof v.const === 'number');
    if (numeric) {
      const lows = variants.map((v) => (typeof v.const === 'number' ? v.const : v.minimum)).filter((x): x is number => x !== undefined);
      const highs = variants.map((v) => (typeof v.const === 'number' ? v.const : v.maximum)).filter((x): x is number => x !== undefined);
      return {
        ...base, kind: 'number',
        min: lows.length === variants.length ? Math.min(...lows) : undefined,
        max: highs.length === variants.length ? Math.max(...highs) : undefined,
        integer: variants.every((v) => typesOf(v).includes('integer') || Number.isInteger(v.const)),
      };
    }
    const consts = variants.flatMap((v) => (v.enum ?? (v.const !== undefined ? [v.const] : [null])));
    if (consts.every((c) => typeof c === 'string')) return { ...base, kind: 'enum', options: consts as string[] };
    return { ...base, kind: 'json' };
  }
  if (s.enum && s.enum.every((x) => typeof x === 'string')) return { ...base, kind: 'enum', options: s.enum as string[] };
  const t = typesOf(s);
  if (t.includes('boolean')) return { ...base, kind: 'boolean' };
  if (t.includes('integer') || t.includes('number')) return { ...base, kind: 'number', min: s.minimum, max: s.maximum, integer: t.includes('integer') };
  if (t.includes('array')) {
    const items = s.items ? resolve(s.items, doc) : undefined;
    if (items && typesOf(items).includes('string')) return { ...base, kind: 'list', minLength: items.minLength, maxLength: items.maxLength };
    return { ...base, kind: 'json' };
  }
  if (t.includes('string')) {
    const secret = isSecretField(name, s);
    // long values (PEM keys) need line breaks, which a password input would drop
    const long = (s.maxLength ?? 0) >= 10_000;
    return { ...base, kind: secret ? (long ? 'secret-multiline' : 'secret') : long ? 'multiline' : 'text', minLength: s.minLength, maxLength: s.maxLength };
  }
  return { ...base, kind: 'json' };
}

/** The fields of an object schema, in the schema's order. */
export function fieldsOf(schema: JsonSchema, doc?: OpenApiDocument): FieldSpec[] {
  const s = resolve(schema, doc);
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, p]) => fieldOf(name, p, required.has(name), doc));
}

/** What the inputs hold: text for every kind but checkboxes. */
export type FormValues = Record<string, string | boolean>;

/** The form's starting values: `initial` (an object as the API shows it) or the schema's defaults. */
export function initialValues(fields: FieldSpec[], initial?: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = initial && f.name in initial ? initial[f.name] : f.default;
    if (f.kind === 'boolean') out[f.name] = v === true;
    else if (v === undefined || v === null) out[f.name] = '';
    else if (f.kind === 'list') out[f.name] = Array.isArray(v) ? v.map(String).join('\n') : String(v);
    else if (f.kind === 'json') out[f.name] = JSON.stringify(v, null, 2);
    else out[f.name] = String(v);
  }
  return out;
}

/** A value the console could not turn into what the API takes; named like the server names inputs. */
export class FormInputError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * The object to send: empty fields are left out (the server applies its defaults); numbers,
 * lists (one per line, or comma-separated) and JSON are converted.
 * @throws FormInputError naming the field when a number or JSON value does not parse
 */
export function valuesToObject(fields: FieldSpec[], values: FormValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (f.kind === 'boolean') {
      // an optional flag without a default is sent only when ticked
      if (v === true || f.required || f.default !== undefined) out[f.name] = v === true;
      continue;
    }
    const s = typeof v === 'string' ? v : '';
    if (s.trim() === '') continue;
    switch (f.kind) {
      case 'number': {
        const n = Number(s.trim());
        if (!Number.isFinite(n)) throw new FormInputError(f.name, `${f.label}: "${s}" is not a number`);
        if (f.integer && !Number.isInteger(n)) throw new FormInputError(f.name, `${f.label}: must be a whole number`);
        out[f.name] = n;
        break;
      }
      case 'list':
        out[f.name] = s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);
        break;
      case 'json':
        try {
          out[f.name] = JSON.parse(s);
        } catch {
          throw new FormInputError(f.name, `${f.label}: not valid JSON`);
        }
        break;
      case 'secret':
      case 'secret-multiline':
      case 'multiline':
        out[f.name] = s;
        break;
      default:
        out[f.name] = s.trim();
    }
  }
  return out;
}

/**
 * The field an error names: a FormInputError's, or the server's (`details.input`, or the first of
 * `details.issues[].field`), with a leading `config.`/`body.` taken off.
 */
export function errorField(error: unknown, prefix = 'config'): string | null {
  if (error instanceof FormInputError) return error.field;
  // an ApiError (api.ts) keeps the server's details; duck-typed so this file needs no DOM
  const details = (error as { details?: unknown } | null)?.details;
  if (!details || typeof details !== 'object') return null;
  const d = details as { input?: unknown; issues?: { field?: unknown }[] };
  const raw = typeof d.issues?.[0]?.field === 'string' ? d.issues[0].field : typeof d.input === 'string' ? d.input : null;
  if (!raw) return null;
  return raw.replace(/^body\./, '').replace(new RegExp(`^${prefix}\\.`), '').split('.')[0];
}

