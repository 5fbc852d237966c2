/**
 * SAST for Python: `analyzePython(files)` parses each file with tree-sitter (parser.ts), runs the
 * taint analysis (taint.ts) and the shape checks (checks.ts), and returns CODE_VULNERABILITY
 * findings sorted by path, line, column and rule. A file that cannot be analysed (too large, binary,
 * a parser failure) becomes a per-file error; the others are still analysed.
 */
import type { CodeFinding } from '../../../model/code.ts';
import type { LayerRef } from '../../../model/package.ts';
import { shapeChecks } from './checks.ts';
import { pythonParser } from './parser.ts';
import { PythonTaint } from './taint.ts';
import { copyTree } from './tree.ts';

export { RULE_LIST as PYTHON_RULES } from './rules.ts';

export interface PythonFile { path: string; text: string; layer?: LayerRef }
export interface AnalysisError { path: string; rule: string; message: string }

/** Files larger than this are not parsed (generated or vendored code; the parse would dominate a scan). */
export const MAX_PYTHON_BYTES = 2 * 1024 * 1024;
/** Lines longer than this mark minified or generated content. */
const MAX_LINE = 20_000;

/** Python files by name (the lead's dispatcher may also use it). */
export function isPythonPath(path: string): boolean {
  return /\.(py|pyw|pyi)$/i.test(path);
}

/**
 * Analyse Python source files.
 * @throws only when the parser itself (the grammar's wasm) cannot be loaded.
 */
export async function analyzePython(files: PythonFile[]): Promise<{ findings: CodeFinding[]; errors: AnalysisError[] }> {
  const findings: CodeFinding[] = [];
  const errors: AnalysisError[] = [];
  if (!files.length) return { findings, errors };
  const parser = await pythonParser();
  try {
    for (const f of files) {
      const err = (message: string, rule = 'python/parse'): void => { errors.push({ path: f.path, rule, message }); };
      if (Buffer.byteLength(f.text, 'utf8') > MAX_PYTHON_BYTES) { err(`file is larger than ${MAX_PYTHON_BYTES} bytes: not analysed`, 'python/too-large'); continue; }
      if (f.text.includes('\u0000')) { err('file holds NUL bytes (binary): not analysed', 'python/binary'); continue; }
      const lines = f.text.split(/\r?\n/);
      if (lines.some((l) => l.length > MAX_LINE)) { err(`a line is longer than ${MAX_LINE} characters (generated or minified): not analysed`, 'python/too-large'); continue; }
      let tree;
      try {
        tree = parser.parse(f.text);
      } catch (e) {
        err(`parser failed: ${(e as Error).message}`);
        continue;
      }
      if (!tree) { err('parser returned no tree'); continue; }
      try {
        const root = copyTree(tree, f.text);
        if (root.hasError) {
          // tree-sitter recovers; the analysis runs on what parsed, and the error says where it did not
          const bad = firstError(root);
          err(`syntax error at line ${bad.line}, column ${bad.column}: analysed what parsed`);
        }
        const file = { path: f.path, text: f.text, lines, layer: f.layer };
        const taint = new PythonTaint(root, file).run();
        const shapes = shapeChecks(root, file);
        findings.push(...merge(taint, shapes));
      } catch (e) {
        err(`analysis failed: ${(e as Error).message}`, 'python/analysis');
      } finally {
        tree.delete();
      }
    }
  } finally {
    parser.delete();
  }
  findings.sort((a, b) => a.location.path.localeCompare(b.location.path) || a.location.line - b.location.line || a.location.column - b.location.column || a.rule.localeCompare(b.rule));
  return { findings, errors };
}

/** A flaw found both ways (yaml.load of input) is one finding: the trace from taint, the fix from the shape check. */
function merge(taint: CodeFinding[], shapes: CodeFinding[]): CodeFinding[] {
  const out = [...taint];
  for (const s of shapes) {
    const same = out.find((t) => t.rule === s.rule && t.location.line === s.location.line);
    if (same) { if (s.fix && !same.fix) same.fix = s.fix; continue; }
    out.push(s);
  }
  return out;
}

function firstError(root: import('./parser.ts').Node): { line: number; column: number } {
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'ERROR' || n.isMissing) return { line: n.startPosition.row + 1, column: n.startPosition.column + 1 };
    for (let i = n.childCount - 1; i >= 0; i--) { const c = n.child(i); if (c && (c.hasError || c.isMissing)) stack.push(c); }
  }
  return { line: root.startPosition.row + 1, column: root.startPosition.column + 1 };
}
