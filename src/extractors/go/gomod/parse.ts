/**
 * go.mod parser (https://go.dev/ref/mod#go-mod-file-grammar). Pure: text in, modules out.
 * Reads `module`, `go`, `toolchain`, `require` and `replace` (single lines and blocks);
 * `exclude`, `retract` and `godebug` are recognised and ignored.
 */

export interface GoModRequire {
  path: string;
  version: string;
  /** marked `// indirect` */
  indirect: boolean;
  line: number;
}

export interface GoModReplace {
  oldPath: string;
  /** absent: every version of oldPath is replaced */
  oldVersion?: string;
  newPath: string;
  /** absent for a directory replacement (`=> ../fork`) */
  newVersion?: string;
  line: number;
}

export interface GoModFile {
  module?: string;
  go?: string;
  toolchain?: string;
  requires: GoModRequire[];
  replaces: GoModReplace[];
}

export interface GoModProblem { line: number; message: string }

const VERBS = new Set(['module', 'go', 'toolchain', 'require', 'replace', 'exclude', 'retract', 'godebug', 'tool', 'ignore']);

/** Splits a line into tokens, honouring "double-quoted" and `raw` strings; returns the comment too. */
function tokenize(line: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') { i++; continue; }
    if (c === '/' && line[i + 1] === '/') return { tokens, comment: line.slice(i + 2).trim() };
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < line.length && line[j] !== '"') { if (line[j] === '\\') j++; s += line[j] ?? ''; j++; }
      tokens.push(s); i = j + 1; continue;
    }
    if (c === '`') {
      const j = line.indexOf('`', i + 1);
      const end = j < 0 ? line.length : j;
      tokens.push(line.slice(i + 1, end)); i = end + 1; continue;
    }
    let j = i;
    while (j < line.length && !' \t\r'.includes(line[j]) && !(line[j] === '/' && line[j + 1] === '/')) j++;
    tokens.push(line.slice(i, j)); i = j;
  }
  return { tokens, comment: '' };
}

/** Parses go.mod text; malformed directives are returned as problems and skipped. */
export function parseGoMod(text: string): { file: GoModFile; problems: GoModProblem[] } {
  const file: GoModFile = { requires: [], replaces: [] };
  const problems: GoModProblem[] = [];
  let block: string | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    let { tokens, comment } = tokenize(lines[n]);
    if (tokens.length === 0) continue;
    if (block) {
      if (tokens.length === 1 && tokens[0] === ')') { block = undefined; continue; }
    } else {
      const verb = tokens[0];
      if (!VERBS.has(verb)) { problems.push({ line: lineNo, message: `unknown directive ${JSON.stringify(verb)}` }); continue; }
      if (tokens[1] === '(' && tokens.length === 2) { block = verb; continue; }
      if (tokens[1] === '(' && tokens[tokens.length - 1] === ')') tokens = [verb, ...tokens.slice(2, -1)]; // one-line block
      directive(verb, tokens.slice(1), comment, lineNo);
      continue;
    }
    directive(block, tokens, comment, lineNo);
  }
  if (block) problems.push({ line: lines.length, message: `unterminated ${block} block` });
  return { file, problems };

  function directive(verb: string, args: string[], comment: string, line: number): void {
    switch (verb) {
      case 'module': file.module = args[0]; break;
      case 'go': file.go = args[0]; break;
      case 'toolchain': file.toolchain = args[0]; break;
      case 'require':
        if (args.length !== 2 || !args[1].startsWith('v')) { problems.push({ line, message: `require needs a module path and a version ("v…"), got ${JSON.stringify(args.join(' '))}` }); return; }
        file.requires.push({ path: args[0], version: args[1], indirect: /^indirect\b/.test(comment), line });
        break;
      case 'replace': {
        const arrow = args.indexOf('=>');
        const lhs = args.slice(0, arrow);
        const rhs = args.slice(arrow + 1);
        if (arrow < 1 || lhs.length > 2 || rhs.length < 1 || rhs.length > 2) { problems.push({ line, message: `replace needs "old [version] => new [version]", got ${JSON.stringify(args.join(' '))}` }); return; }
        file.replaces.push({ oldPath: lhs[0], oldVersion: lhs[1], newPath: rhs[0], newVersion: rhs[1], line });
        break;
      }
      default: break; // exclude, retract, godebug, tool, ignore: no effect on what is built
    }
  }
}

/** A directory replacement: the right-hand side is a file path, not a module (go.dev/ref/mod#go-mod-file-replace). */
export const isLocalReplacement = (p: string): boolean => p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p === '.' || p === '..';

export interface ResolvedModule { path: string; version: string; indirect: boolean; replacedFrom?: string }

/**
 * Applies replace directives to the requirements: a versioned replacement (`=> other v1.2.3`)
 * becomes that module; a directory replacement is dropped (local code, no published version)
 * and reported in `local`.
 */
export function resolveGoMod(file: GoModFile): { modules: ResolvedModule[]; local: string[] } {
  const modules: ResolvedModule[] = [];
  const local: string[] = [];
  for (const r of file.requires) {
    // a version-specific replace wins over a path-wide one
    const rep = file.replaces.find((x) => x.oldPath === r.path && x.oldVersion === r.version)
      ?? file.replaces.find((x) => x.oldPath === r.path && x.oldVersion === undefined);
    if (!rep) { modules.push({ path: r.path, version: r.version, indirect: r.indirect }); continue; }
    if (isLocalReplacement(rep.newPath) || !rep.newVersion) { local.push(`${r.path} => ${rep.newPath}`); continue; }
    modules.push({ path: rep.newPath, version: rep.newVersion, indirect: r.indirect, replacedFrom: `${r.path}@${r.version}` });
  }
  return { modules, local };
}
