/**
 * One way to read untrusted YAML (lockfiles, advisories, ignore files) with the `yaml` package:
 * - no console output (the package prints warnings with process.emitWarning, which reached users'
 *   stderr raw): warnings are returned for the caller to record or log;
 * - errors are VigilErrors naming the input and the rule;
 * - bounded work: the syntax tree is checked for errors before documents are composed (composing
 *   a document with tens of thousands of syntax errors took minutes, each error prettified), keys
 *   are checked for duplicates here in one pass (the package's uniqueKeys check compares every
 *   pair: 20,000 keys took 30 s), alias expansion and nesting are bounded (the package composes by
 *   recursion and turns a stack overflow into a "Maximum call stack size exceeded" parse error).
 */
import { Composer, isMap, isScalar, isSeq, LineCounter, Parser, type Document, type SchemaOptions } from 'yaml';
import { VigilError } from './errors.ts';
import { checkNesting, MAX_NESTING } from './nesting.ts';

export interface YamlOptions {
  /** refuse duplicate keys in a mapping (default true, as the yaml package does) */
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
 * @throws VigilError VIGIL_INVALID_INPUT naming `input`, rule "yaml" (not YAML, several
 *   documents, a duplicate key), "yaml-aliases" (too many alias expansions) or "nesting-depth"
 *   (deeper than MAX_NESTING)
 */
export function parseYaml(text: string, input: string, opts: YamlOptions = {}): YamlResult {
  const docs = parseYamlDocuments(text, input, opts);
  if (docs.length > 1) throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not YAML (${docs.length} documents where one was expected)`, { input, rule: 'yaml' });
  return docs[0] ?? { value: null, warnings: [] };
}

/**
 * Parses every document of a YAML stream (`---`-separated).
 * @throws VigilError as parseYaml
 */
export function parseYamlDocuments(text: string, input: string, opts: YamlOptions = {}): YamlResult[] {
  const lines = new LineCounter();
  const where = (offset: number): string => {
    const p = lines.linePos(offset);
    return `line ${p.line}, column ${p.col}`;
  };
  const bad = (message: string, offset: number, cause?: unknown): VigilError => {
    if (/Maximum call stack size exceeded/.test(message)) return tooDeep(input, cause);
    return new VigilError('VIGIL_INVALID_INPUT', `${input}: not YAML (${firstLine(message)} at ${where(offset)})`, { input, rule: 'yaml', cause });
  };
  const tokens = [];
  for (const t of new Parser(lines.addNewLine).parse(text)) {
    if (t.type === 'error') throw bad(t.message, t.offset);
    tokens.push(t);
  }
  const options = { logLevel: 'error' as const, uniqueKeys: false, prettyErrors: false, ...(opts.schema ? { schema: opts.schema } : {}) };
  let docs: Document.Parsed[];
  try {
    docs = [...new Composer(options).compose(tokens, true, text.length)];
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(input, e);
    throw e;
  }
  return docs.map((doc) => {
    const err = doc.errors[0];
    if (err) throw bad(err.message, err.pos[0], err);
    if (opts.uniqueKeys ?? true) checkUniqueKeys(doc, input, where);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: opts.maxAliasCount ?? 100 });
    } catch (e) {
      if (e instanceof RangeError) throw tooDeep(input, e);
      throw new VigilError('VIGIL_INVALID_INPUT', `${input}: YAML cannot be read (${firstLine((e as Error).message)})`, { input, rule: /alias/i.test((e as Error).message) ? 'yaml-aliases' : 'yaml', cause: e });
    }
    checkNesting(value, input);
    return { value, warnings: doc.warnings.map((w) => `${input}: ${firstLine(w.message)} at ${where(w.pos[0])}`) };
  });
}

/** Duplicate keys of any mapping, in one pass over the document (iterative). */
function checkUniqueKeys(doc: Document.Parsed, input: string, where: (offset: number) => string): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const k = pair.key;
        const name = isScalar(k) ? `${typeof k.value}:${String(k.value)}` : k === null || k === undefined ? 'null' : `node:${String(k)}`;
        if (seen.has(name)) {
          const offset = isScalar(k) && k.range ? k.range[0] : (node.range?.[0] ?? 0);
          throw new VigilError('VIGIL_INVALID_INPUT', `${input}: not YAML (map keys must be unique: ${JSON.stringify(isScalar(k) ? String(k.value) : String(k))} repeats at ${where(offset)})`, { input, rule: 'yaml' });
        }
        seen.add(name);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
}

function tooDeep(input: string, cause: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `${input}: nesting-depth: YAML nested too deeply (at most ${MAX_NESTING} levels are read)`, { input, rule: 'nesting-depth', cause });
}
