/**
 * One way to read untrusted YAML (lockfiles, advisories, ignore files): the `yaml` package with
 * its console output turned off (it prints warnings with process.emitWarning, which reached users'
 * stderr raw), warnings returned to the caller to record or log, errors as VigilErrors naming the
 * input and the rule, alias expansion bounded, and nesting bounded (the package composes documents
 * by recursion and turns a stack overflow into a "Maximum call stack size exceeded" parse error).
 */
import { parseDocument, type SchemaOptions } from 'yaml';
import { VigilError } from './errors.ts';
import { checkNesting, MAX_NESTING } from './nesting.ts';

export interface YamlOptions {
  /** refuse duplicate keys (default true, as the yaml package does) */
  uniqueKeys?: boolean;
  /** "core" (default), "failsafe", "json", "yaml-1.1" */
  schema?: SchemaOptions['schema'];
  /** alias expansions tolerated (billion laughs); default 100 */
  maxAliasCount?: number;
}

export interface YamlResult {
  value: unknown;
  /** the parser's warnings, one line each, naming the input */
  warnings: string[];
}

const firstLine = (s: string): string => s.split('\n')[0];

/**
 * Parses one YAML document.
 * @throws VigilError VIGIL_INVALID_INPUT naming `input`, rule "yaml" (not YAML), "yaml-aliases"
 *   (too many alias expansions) or "nesting-depth" (deeper than MAX_NESTING)
 */
export function parseYaml(text: string, input: string, opts: YamlOptions = {}): YamlResult {
  const doc = parseDocument(text, { logLevel: 'error', uniqueKeys: opts.uniqueKeys ?? true, ...(opts.schema ? { schema: opts.schema } : {}) });
  const err = doc.errors[0];
  if (err) {
    if (/Maximum call stack size exceeded/.test(err.message)) throw tooDeep(input, err);
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not YAML (${firstLine(err.message)})`, { input, rule: 'yaml', cause: err });
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: opts.maxAliasCount ?? 100 });
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(input, e);
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}: YAML cannot be read (${firstLine((e as Error).message)})`, { input, rule: /alias/i.test((e as Error).message) ? 'yaml-aliases' : 'yaml', cause: e });
  }
  checkNesting(value, input);
  return { value, warnings: doc.warnings.map((w) => `${input}: ${firstLine(w.message)}`) };
}

function tooDeep(input: string, cause: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `${input}: nesting-depth: YAML nested too deeply (at most ${MAX_NESTING} levels are read)`, { input, rule: 'nesting-depth', cause });
}
