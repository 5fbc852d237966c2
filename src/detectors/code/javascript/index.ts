/**
 * SAST for JavaScript and TypeScript (.js .mjs .cjs .jsx .ts .tsx .mts .cts): taint tracking from
 * request/event/environment/file/browser sources to injection sinks, plus weak crypto, disabled TLS
 * verification and hardcoded credentials. See README.md.
 */
import type { CodeFinding } from '../../../model/code.ts';
import type { LayerRef } from '../../../model/package.ts';

export { RULES, type Rule, type RuleId } from './rules.ts';

/** The extensions this analyzer reads. */
export const JS_EXTENSIONS = ['.js', '.mjs', '.cjs', '.jsx', '.ts', '.tsx', '.mts', '.cts'] as const;

/** Files larger than this are skipped (a per-file error with rule `js/file-too-large`). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024;
/** A line longer than this marks generated or minified code, skipped (`js/minified`). */
export const MAX_LINE_CHARS = 10_000;

export interface CodeFileError {
  path: string;
  /** js/file-too-large, js/minified, js/binary, js/parse-error, js/analysis-budget, js/too-deep, js/internal-error */
  rule: string;
  message: string;
}

export interface AnalyzeJavaScriptOptions {
  /**
   * The major version of js-yaml the project uses, when the caller knows it from the inventory.
   * js-yaml 3's `load` builds JavaScript functions by default (its safe variant was `safeLoad`);
   * 4 made `load` safe. Without it, a package.json among `files` is read; failing both, 4 is assumed.
   */
  jsYamlMajor?: number;
}

/** Whether a path is one this analyzer reads. */
export function isJavaScriptPath(path: string): boolean {
  const p = path.toLowerCase();
  return JS_EXTENSIONS.some((x) => p.endsWith(x)) && !p.endsWith('.d.ts') && !p.endsWith('.d.mts') && !p.endsWith('.d.cts');
}

/**
 * Analyses JavaScript/TypeScript files one by one (taint within a file, across its functions).
 * Never throws on bad input: unreadable, huge, minified or unparsable files become `errors`
 * (a parse error is recorded and the recovered tree is still analysed).
 */
export async function analyzeJavaScript(
  files: { path: string; text: string; layer?: LayerRef }[],
  opts: AnalyzeJavaScriptOptions = {},
): Promise<{ findings: CodeFinding[]; errors: CodeFileError[] }> {
  // the compiler is large: loaded only when there is something to analyse
  const { FileAnalyzer, parse, BudgetExceeded } = await import('./analyze.ts');
  const findings: CodeFinding[] = [];
  const errors: CodeFileError[] = [];
  const jsYamlMajor = opts.jsYamlMajor ?? jsYamlFromManifests(files);
  for (const file of files) {
    if (!isJavaScriptPath(file.path)) continue;
    const skip = skipReason(file.text);
    if (skip) {
      errors.push({ path: file.path, ...skip });
      continue;
    }
    try {
      const { sf, errors: parseErrors } = parse(file.path, file.text);
      if (parseErrors.length) errors.push({ path: file.path, rule: 'js/parse-error', message: `syntax errors (analysed as recovered by the parser): ${parseErrors.join('; ')}` });
      findings.push(...new FileAnalyzer(file, sf, { jsYamlMajor }).run());
    } catch (err) {
      if (err instanceof BudgetExceeded) errors.push({ path: file.path, rule: 'js/analysis-budget', message: err.message });
      else if (err instanceof RangeError) errors.push({ path: file.path, rule: 'js/too-deep', message: `skipped: expressions nested too deeply to analyse (${err.message})` });
      else errors.push({ path: file.path, rule: 'js/internal-error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  }
  findings.sort((a, b) => a.location.path.localeCompare(b.location.path) || a.location.line - b.location.line || a.location.column - b.location.column || a.rule.localeCompare(b.rule));
  errors.sort((a, b) => a.path.localeCompare(b.path) || a.rule.localeCompare(b.rule));
  return { findings, errors };
}

function skipReason(text: string): { rule: string; message: string } | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_FILE_BYTES) return { rule: 'js/file-too-large', message: `skipped: ${bytes} bytes, over the ${MAX_FILE_BYTES}-byte limit` };
  if (text.includes('\u0000')) return { rule: 'js/binary', message: 'skipped: contains NUL bytes (not source text)' };
  let start = 0;
  let n = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > MAX_LINE_CHARS) return { rule: 'js/minified', message: `skipped as minified or generated: line ${n} has ${end - start} characters (limit ${MAX_LINE_CHARS})` };
    start = end + 1;
    n++;
  }
  return undefined;
}

/** js-yaml's major version from a package.json among the files (its lowest allowed version). */
function jsYamlFromManifests(files: { path: string; text: string }[]): number | undefined {
  for (const f of files) {
    if (!/(^|\/)package\.json$/.test(f.path) || f.path.includes('node_modules/')) continue;
    try {
      const pkg = JSON.parse(f.text) as Record<string, Record<string, string> | undefined>;
      const range = pkg.dependencies?.['js-yaml'] ?? pkg.devDependencies?.['js-yaml'];
      const m = range ? /(\d+)/.exec(range) : null;
      if (m) return Number(m[1]);
    } catch {
      // not JSON: the manifest is someone else's problem (the npm extractor reports it)
    }
  }
  return undefined;
}
