/**
 * Structural checks for the small JSON documents of images (OCI index, manifest and config, docker
 * manifest.json, oci-layout), written out instead of through zod: they are read by every image
 * scan, and loading zod (~800 KB of code) costs ~80 ms CPU, for four small documents here.
 * A Schema returns the checked value (objects keep only their declared keys, like zod's objects,
 * unless `passthrough`) or throws a SchemaIssue naming where in the document it failed.
 */

export interface Schema<T> {
  check(v: unknown, at: string): T;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

/** Where a document breaks its schema ("manifests.0.digest") and how. */
export class SchemaIssue extends Error {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function fail(at: string, want: string, v: unknown): never {
  throw new SchemaIssue(at, `expected ${want}, received ${kindOf(v)}`);
}

const join = (at: string, key: string | number): string => (at === '' ? String(key) : `${at}.${key}`);

export function string(pattern?: RegExp, what = 'a string of the expected form'): Schema<string> {
  return {
    check(v, at) {
      if (typeof v !== 'string') fail(at, 'string', v);
      if (pattern && !pattern.test(v)) throw new SchemaIssue(at, `expected ${what}, received ${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`);
      return v;
    },
  };
}

export function number(opts: { int?: boolean; min?: number } = {}): Schema<number> {
  return {
    check(v, at) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, 'number', v);
      if (opts.int && !Number.isInteger(v)) throw new SchemaIssue(at, `expected an integer, received ${v}`);
      if (opts.min !== undefined && v < opts.min) throw new SchemaIssue(at, `expected a number >= ${opts.min}, received ${v}`);
      return v;
    },
  };
}

export const boolean: Schema<boolean> = {
  check(v, at) {
    if (typeof v !== 'boolean') fail(at, 'boolean', v);
    return v;
  },
};

export function array<T>(item: Schema<T>): Schema<T[]> {
  return {
    check(v, at) {
      if (!Array.isArray(v)) fail(at, 'array', v);
      return v.map((x, i) => item.check(x, join(at, i)));
    },
  };
}

/** A JSON object of string values (annotations). */
export function stringRecord(): Schema<Record<string, string>> {
  return {
    check(v, at) {
      if (kindOf(v) !== 'object') fail(at, 'object', v);
      const out: Record<string, string> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (typeof x !== 'string') fail(join(at, k), 'string', x);
        out[k] = x;
      }
      return out;
    },
  };
}

/** An optional field: absent or `undefined` passes as undefined (null does not, as in zod). */
export interface Optional<T> extends Schema<T | undefined> {
  optional: true;
}
export function optional<T>(s: Schema<T>): Optional<T> {
  return { optional: true, check: (v, at) => (v === undefined ? undefined : s.check(v, at)) };
}
/** null or undefined pass as undefined. */
export function nullish<T>(s: Schema<T>): Optional<T> {
  return { optional: true, check: (v, at) => (v === undefined || v === null ? undefined : s.check(v, at)) };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

/**
 * An object with the declared fields; other keys are dropped, or kept with `passthrough` (their
 * values unchecked). `__proto__` is never copied as a key.
 */
export function object<S extends Shape>(shape: S, opts: { passthrough?: boolean } = {}): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  return {
    check(v, at) {
      if (kindOf(v) !== 'object') fail(at, 'object', v);
      const src = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      if (opts.passthrough) for (const [k, x] of Object.entries(src)) if (k !== '__proto__') out[k] = x;
      for (const k of keys) {
        const x = Object.hasOwn(src, k) ? src[k] : undefined;
        const checked = shape[k].check(x, join(at, k));
        if (checked !== undefined) out[k] = checked;
        else delete out[k];
      }
      return out as ObjectOf<S>;
    },
  };
}
