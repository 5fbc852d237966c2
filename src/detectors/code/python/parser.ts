/**
 * The Python parser: tree-sitter's Python grammar (tree-sitter-python, its prebuilt .wasm) run by
 * web-tree-sitter. Both are pinned to 0.25.x: the grammar's wasm is built for language ABI 15, which
 * web-tree-sitter 0.25 loads (0.24 and older stop at ABI 14). No native build, works offline.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

export type { Tree } from 'web-tree-sitter';
export type { PyNode as Node } from './tree.ts';

const require = createRequire(import.meta.url);

/**
 * The loaded grammar. Kept once per process on purpose: emscripten's runtime (`Parser.init`) is
 * process-wide anyway, and the grammar is immutable code; parsers themselves are made per call.
 */
let language: Promise<Language> | undefined;

function loadLanguage(): Promise<Language> {
  language ??= (async () => {
    await Parser.init();
    return Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm'));
  })();
  language.catch(() => { language = undefined; });
  return language;
}

/** A parser for Python source. @throws when the grammar's wasm cannot be loaded. */
export async function pythonParser(): Promise<Parser> {
  const lang = await loadLanguage();
  const parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}
