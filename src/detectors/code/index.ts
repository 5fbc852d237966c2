/**
 * Code security (issue 17, CODE_VULNERABILITY findings): which files of a target are source code
 * to analyse, and the analysers by language — Python (python/, tree-sitter) and JavaScript/
 * TypeScript (javascript/, the TypeScript compiler's parser). Third-party code (node_modules,
 * site-packages, vendored trees) and the operating system's own files are not the target's code:
 * they are left out, as Inspector's Lambda code scanning leaves out dependencies.
 */
import type { CodeFinding, LayerRef } from '../../model/index.ts';
import type { ContentFilter, FileInfo, ScanFS } from '../../sources/types.ts';
import { analyzePython } from './python/index.ts';
import { analyzeJavaScript } from './javascript/index.ts';

const PYTHON = /\.py$/i;
const JAVASCRIPT = /\.(?:js|mjs|cjs|jsx|ts|tsx|mts|cts)$/i;
/** declaration files hold no code */
const DECLARATIONS = /\.d\.[mc]?ts$/i;
/** the largest source file analysed (larger ones are generated or minified) */
export const MAX_CODE_FILE_BYTES = 2 * 1024 * 1024;
/** directories of third-party or generated code, at any depth */
const THIRD_PARTY = /(?:^|\/)(?:node_modules|bower_components|jspm_packages|site-packages|dist-packages|__pycache__|\.venv|venv|\.tox|\.git|vendor|third_party|\.next|\.nuxt)\//;
/** the operating system's own trees in images and root filesystems */
const SYSTEM = /^(?:usr\/(?:lib|lib64|share|libexec|include|bin|sbin)|lib|lib64|bin|sbin|etc|proc|sys|var\/lib|usr\/local\/lib)\//;

/** Whether a path (relative, as ScanFS names it) is first-party source code the analysers take. */
export function isCodePath(path: string): boolean {
  const p = path.replace(/^\/+/, '');
  if (!(PYTHON.test(p) || JAVASCRIPT.test(p)) || DECLARATIONS.test(p)) return false;
  return !THIRD_PARTY.test(p) && !SYSTEM.test(p);
}

/** The content filter of the code scanner: source files of the target's own code, up to the size cap. */
export const codeContentFilter: ContentFilter = (info: FileInfo) => info.kind === 'file' && info.size <= MAX_CODE_FILE_BYTES && isCodePath(info.path);

export interface CodeFile { path: string; text: string; layer?: LayerRef }
export type CodeError = { path: string; rule: string; message: string };

/**
 * A hardcoded credential (CWE-798) is a secret: its snippet and trace show the string literal
 * masked (its first 4 characters, then `*`), as the secret scanner shows secrets. Nothing else in
 * a code finding holds it.
 */
export function maskCredential(f: CodeFinding): CodeFinding {
  if (!f.cwe.includes('CWE-798')) return f;
  const mask = (text: string) => text.replace(/(["'`])((?:\\.|(?!\1).){5,})\1/g, (_m, q: string, body: string) => `${q}${body.slice(0, 4)}${'*'.repeat(Math.min(body.length - 4, 16))}${q}`);
  return { ...f, snippet: mask(f.snippet), trace: f.trace.map((t) => ({ ...t, label: mask(t.label) })), ...(f.fix?.replacement !== undefined ? { fix: { ...f.fix, replacement: mask(f.fix.replacement) } } : {}) };
}

/** Analyses source files, each by its language. */
export async function analyzeCode(files: readonly CodeFile[]): Promise<{ findings: CodeFinding[]; errors: CodeError[] }> {
  const py = files.filter((f) => PYTHON.test(f.path));
  const js = files.filter((f) => JAVASCRIPT.test(f.path) && !DECLARATIONS.test(f.path));
  const [a, b] = await Promise.all([py.length ? analyzePython(py) : { findings: [], errors: [] }, js.length ? analyzeJavaScript(js) : { findings: [], errors: [] }]);
  return { findings: [...a.findings, ...b.findings].map(maskCredential), errors: [...a.errors, ...b.errors] };
}

/**
 * Analyses the first-party source files of a ScanFS: reads each (a file that cannot be read is a
 * per-file error), with its layer when the source knows it.
 */
export async function scanCode(fs: ScanFS, opts: { onProgress?: (files: number) => void } = {}): Promise<{ findings: CodeFinding[]; errors: CodeError[] }> {
  const files: CodeFile[] = [];
  const errors: CodeError[] = [];
  for await (const info of fs.entries()) {
    if (!codeContentFilter(info)) continue;
    try {
      const bytes = await fs.readFile(info.path);
      if (bytes.subarray(0, 8192).includes(0)) continue; // binary under a source name
      files.push({ path: info.path, text: bytes.toString('utf8'), ...(info.layer ? { layer: info.layer } : {}) });
      opts.onProgress?.(files.length);
    } catch (err) {
      errors.push({ path: info.path, rule: 'code-unreadable', message: (err as Error).message });
    }
  }
  const out = await analyzeCode(files);
  return { findings: out.findings, errors: [...errors, ...out.errors] };
}
