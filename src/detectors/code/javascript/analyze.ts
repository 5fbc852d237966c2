/**
 * Taint analysis of one JavaScript/TypeScript file on the TypeScript compiler's syntax tree (no
 * type checker). One walk in statement order per function, with a scope chain of bindings (taint,
 * request objects, module aliases, local functions); calls to functions of the same file are
 * analysed with the arguments' taint (memoised per function and tainted-parameter mask).
 * See README.md for the sources, sinks and sanitizers, and what is out of reach.
 */
import ts from 'typescript';
import type { CodeFinding, CodeLocation, TraceStep } from '../../../model/code.ts';
import type { LayerRef } from '../../../model/package.ts';
import type { Severity } from '../../../model/scan.ts';
import { RULES, type RuleId } from './rules.ts';

/** Data that came from a source: how it got here, whether a remote user controls it, which checks it passed. */
interface Taint {
  steps: TraceStep[];
  /** the source step; identifies the origin across copies */
  origin: TraceStep;
  remote: boolean;
  /** CWEs this value was sanitized for (path.basename → CWE-22, escapeHtml → CWE-79, …) */
  safe: ReadonlySet<string>;
  /** built by concatenation or a template literal (a string, not a structured object) */
  built: boolean;
}

type FnNode = ts.FunctionDeclaration | ts.FunctionExpression | ts.ArrowFunction | ts.MethodDeclaration | ts.ConstructorDeclaration | ts.GetAccessorDeclaration | ts.SetAccessorDeclaration;

interface Binding {
  taint: Taint | null;
  /** an HTTP request object (Express/Fastify/Next.js `req`, Koa `ctx`) */
  request?: boolean;
  /** a module or a member of one: "child_process", "child_process.exec", "fs.readFile" */
  mod?: string;
  fn?: FnNode;
  /** a class of this file, or an instance of one (`new UserService()`) */
  cls?: ts.ClassLikeDeclaration;
  /** `const u = new URL(x)`: the key of x; `const { hostname } = new URL(x)`: likewise; `const rel = path.relative(root, p)`: the key of p */
  urlOf?: string;
  hostOf?: string;
  relativeOf?: string;
  /** the value of a `const` initialised with a string literal */
  str?: string;
  /** a client-side router (`useRouter()` of Next.js): push/replace navigate */
  nav?: boolean;
  /** a response object: `res`, or the second parameter of a route callback */
  response?: boolean;
  /** an object literal's functions */
  methods?: Map<string, FnNode>;
  inst?: ts.ClassLikeDeclaration;
  /** a checked path (`if (!/^\d+$/.test(req.query.id)) return;`): clean for every rule, or for these CWEs */
  sanitizedAll?: boolean;
  safe?: string[];
}

class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(readonly parent?: Scope, readonly fnRoot = false) {}
  lookup(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }
  declare(name: string, b: Binding): void {
    this.vars.set(name, b);
  }
  assign(name: string, b: Binding): void {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, b);
        return;
      }
    }
    this.vars.set(name, b);
  }
}

interface FnCtx {
  returns: (Taint | null)[];
  node?: FnNode;
}

export interface FileInput {
  path: string;
  text: string;
  layer?: LayerRef;
}

export interface AnalyzeOptions {
  /** the major version of js-yaml the project depends on, when known (3 → `load` is unsafe by default) */
  jsYamlMajor?: number;
  /** stop after this many expression visits (a runaway file becomes a per-file error) */
  budget?: number;
}

export class BudgetExceeded extends Error {}

const ALL_CWES = ['CWE-78', 'CWE-89', 'CWE-95', 'CWE-22', 'CWE-918', 'CWE-502', 'CWE-79', 'CWE-601', 'CWE-117'];

/** Properties of a request object that carry user input. */
const REQUEST_PROPS = new Set(['payload', 'query', 'params', 'body', 'headers', 'cookies', 'signedCookies', 'url', 'originalUrl', 'path', 'querystring', 'search', 'nextUrl', 'files', 'file', 'rawBody', 'hostname', 'host', 'href']);
/** Methods of a request object that return user input. */
const REQUEST_METHODS = new Set(['get', 'header', 'param', 'json', 'text', 'formData', 'cookie']);
const REQUEST_NAMES = new Set(['req', 'request', 'ctx']);
const ROUTE_METHODS = new Set(['get', 'post', 'put', 'delete', 'del', 'patch', 'all', 'use', 'options', 'head', 'route']);
/** Iteration and promise methods whose callback's first parameter is (an element of) the receiver. */
const CALLBACK_METHODS = new Set(['then', 'map', 'forEach', 'filter', 'find', 'flatMap', 'some', 'every', 'reduce', 'sort', 'findLast']);

/** Browser globals a page's visitor controls. */
const BROWSER_SOURCES = /^(location(\.(href|search|hash|pathname|host|hostname|origin))?|document\.(URL|documentURI|baseURI|referrer|cookie|location(\.\w+)?)|window\.name)$/;

/** Calls that turn anything into a number, boolean or fixed-format value: clean for every rule. */
const CLEANSING_CALLS = new Set(['Number', 'parseInt', 'parseFloat', 'Boolean', 'isNaN', 'isFinite', 'Math.floor', 'Math.round', 'Math.ceil', 'Math.abs', 'Math.min', 'Math.max', 'Number.parseInt', 'Number.parseFloat', 'Number.isInteger', 'crypto.randomUUID', 'uuid.v4', 'Date.parse']);
/** Methods whose result is not string data derived from the receiver. */
/** one severity level lower: a flaw fed only by the machine itself */
const LOWER: Partial<Record<Severity, Severity>> = { CRITICAL: 'HIGH', HIGH: 'MEDIUM', MEDIUM: 'LOW' };
const CLEANSING_METHODS = new Set(['test', 'includes', 'startsWith', 'endsWith', 'indexOf', 'lastIndexOf', 'has', 'hasOwnProperty', 'localeCompare', 'digest', 'getTime', 'toFixed', 'valueOf']);

const SQL_RECEIVER = /(^|[^a-z])(db|database|conn|connection|pool|client|sequelize|knex|sql|mysql|pg|postgres|sqlite|prisma|tx|trx|transaction|datasource|manager|queryrunner|repo|repository)([^a-z]|$)|db$|conn$|pool$|client$|sql$/i;
const LOGGER_RECEIVER = /^(console|log|logger|this\.logger|this\.log|winston|pino|bunyan|fastify\.log|app\.log|req\.log|request\.log|ctx\.log)$/i;
const RESPONSE_RECEIVER = /^(res|response|resp)$/;
const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|zsh|dash|ksh|cmd|cmd\.exe|powershell|pwsh)$/;

/** Test code: credentials there are fixtures (the secrets scanner still sees every file). */
const TEST_PATH = /(^|\/)(test|tests|__tests__|spec|specs|__mocks__|fixtures?|e2e)\/|\.(test|spec|test-d|e2e)\.[cm]?[jt]sx?$/i;
const PLACEHOLDER = /^(|\*+|x+|\.+|-+|_+|changeme|change[-_ ]?me|todo|tbd|fixme|none|null|undefined|secret|password|passwd|token|example|sample|dummy|test|testing|placeholder|redacted|hidden|your[-_ ].*|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[sd]|xxx.*|.*example.*|.*placeholder.*|.*your[-_]?(key|token|secret|password).*)$/i;
const CREDENTIAL_NAME = /(^|[^a-z])(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|apikey|private[-_]?key|client[-_]?secret|access[-_]?key|auth[-_]?key)$/i;
const NOT_CREDENTIAL_NAME = /(name|type|field|label|url|uri|endpoint|path|file|header|hint|policy|regex|pattern|length|prefix|suffix|id|placeholder|message|msg|error|hash|salt|input|param|event|storage|cookie|query|version|key_?name|kind|mode|format|env|var|count|expires?|ttl)$/i;

function unionSafe(a: ReadonlySet<string>, extra: Iterable<string>): Set<string> {
  const s = new Set(a);
  for (const x of extra) s.add(x);
  return s;
}

function normalizeModule(name: string): string {
  let n = name.replace(/^node:/, '');
  n = n.replace(/^fs\/promises/, 'fs').replace(/^fs\.promises(\.|$)/, 'fs$1').replace(/^(window|globalThis|self)\./, '');
  n = n.replace(/\.default(\.|$)/, '$1');
  n = n.replace(/^child_process\/?/, 'child_process').replace(/^(fs-extra|graceful-fs)(\.|$)/, 'fs$2');
  return n;
}

export class FileAnalyzer {
  readonly findings = new Map<string, CodeFinding>();
  private readonly lang: 'javascript' | 'typescript';
  private readonly memo = new Map<string, { ret: Taint | null; deps: number[] }>();
  private readonly active = new Set<FnNode>();
  private visits = 0;
  /** set by sink(): the call just checked is a sink (its result is a query result, a response, a process — not the data) */
  private sinkMatched = false;
  private readonly contentTypes = new Map<ts.Node, Set<string>>();
  private readonly classMethods = new Map<ts.ClassLikeDeclaration, Map<string, ts.MethodDeclaration>>();
  /** call chains a guard has checked (`url.split('.').pop()`), looked up before evaluating a call */
  private readonly refinedCalls = new Set<string>();
  private readonly budget: number;

  constructor(
    private readonly file: FileInput,
    private readonly sf: ts.SourceFile,
    private readonly opts: AnalyzeOptions = {},
  ) {
    this.lang = /\.(ts|tsx|mts|cts)$/i.test(file.path) ? 'typescript' : 'javascript';
    this.budget = opts.budget ?? 2_000_000;
  }

  run(): CodeFinding[] {
    const scope = new Scope(undefined, true);
    this.walkBlock(this.sf.statements, scope, { returns: [] });
    return [...this.findings.values()].sort((a, b) => a.location.line - b.location.line || a.location.column - b.location.column || a.rule.localeCompare(b.rule));
  }

  // ---------------------------------------------------------------- locations and reporting

  private loc(node: ts.Node): CodeLocation {
    const start = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    const end = this.sf.getLineAndCharacterOfPosition(node.getEnd());
    const l: CodeLocation = { path: this.file.path, line: start.line + 1, column: start.character + 1, endLine: end.line + 1, endColumn: end.character + 1 };
    if (this.file.layer) l.layer = this.file.layer;
    return l;
  }

  private text(node: ts.Node, max = 80): string {
    const t = node.getText(this.sf).replace(/\s+/g, ' ');
    return t.length > max ? t.slice(0, max - 1) + '…' : t;
  }

  private lines(node: ts.Node): { snippet: string; first: number; last: number } {
    const first = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf)).line;
    const last = Math.min(this.sf.getLineAndCharacterOfPosition(node.getEnd()).line, first + 4);
    const starts = this.sf.getLineStarts();
    const from = starts[first];
    const to = last + 1 < starts.length ? starts[last + 1] : this.sf.text.length;
    return { snippet: this.sf.text.slice(from, to).replace(/\r?\n$/, ''), first: from, last: to };
  }

  private report(rule: RuleId, node: ts.Node, trace: TraceStep[], extra?: { fix?: CodeFinding['fix']; title?: string; cwe?: string[]; remote?: boolean }): void {
    const r = RULES[rule];
    const location = this.loc(node);
    const key = `${rule}:${location.line}:${location.column}`;
    if (this.findings.has(key)) return;
    const { snippet } = this.lines(node);
    const f: CodeFinding = {
      // input from the machine itself (environment, files, command line) needs a local foothold: one level lower (as the Python analyser does)
      type: 'code', rule, language: this.lang, cwe: extra?.cwe ?? r.cwe, title: extra?.title ?? r.title, severity: extra?.remote === false ? LOWER[r.severity] ?? r.severity : r.severity,
      location, snippet, trace, remediation: r.remediation, ...(extra?.remote !== undefined ? { source: extra.remote ? 'remote' as const : 'local' as const } : {}),
    };
    if (extra?.fix) f.fix = extra.fix;
    const ignore = this.inlineIgnore(location.line, rule);
    if (ignore) f.suppressed = ignore;
    this.findings.set(key, f);
  }

  /**
   * `// vigil:ignore` (every rule) or `// vigil:ignore js/sql-injection, js/xss -- reason` on the
   * finding's line or the line above: the finding is kept, marked suppressed.
   */
  private inlineIgnore(line: number, rule: string): CodeFinding['suppressed'] {
    const starts = this.sf.getLineStarts();
    for (const l of [line - 1, line - 2]) {
      if (l < 0 || l >= starts.length) continue;
      const text = this.sf.text.slice(starts[l], l + 1 < starts.length ? starts[l + 1] : undefined);
      const m = /vigil:ignore(?:[ \t]+((?:js\/[\w-]+[ \t,]*)+))?(?:[ \t]*--[ \t]*(.*))?/.exec(text);
      if (!m) continue;
      const rules = m[1]?.split(/[\s,]+/).filter(Boolean);
      if (rules && !rules.includes(rule)) continue;
      return { reason: m[2]?.replace(/\*\/.*$/, '').trim() || 'inline vigil:ignore', source: `${this.file.path}:${l + 1}` };
    }
    return undefined;
  }

  /** Report a taint rule when `t` reaches `sink` and passes the rule's source and sanitizer filters. */
  private sink(rule: RuleId, t: Taint | null, sinkNode: ts.Node, label: string, extra?: { title?: string; cwe?: string[]; remoteOnly?: boolean }): void {
    if (rule !== 'js/unsafe-deserialization' && rule !== 'js/code-injection') this.sinkMatched = true;
    if (!t) return;
    const r = RULES[rule];
    if ((!r.localSources || extra?.remoteOnly) && !t.remote) return;
    if ((extra?.cwe ?? r.cwe).every((c) => t.safe.has(c))) return;
    this.report(rule, sinkNode, [...t.steps, { kind: 'sink', location: this.loc(sinkNode), label }], { ...extra, remote: t.remote });
  }

  /** A mechanical fix: the snippet's lines with `node` replaced by `replacement`. */
  private fixReplacing(anchor: ts.Node, node: ts.Node, replacement: string, description: string): CodeFinding['fix'] {
    const { snippet, first } = this.lines(anchor);
    const s = node.getStart(this.sf) - first;
    const e = node.getEnd() - first;
    return { description, replacement: snippet.slice(0, s) + replacement + snippet.slice(e) };
  }

  // ---------------------------------------------------------------- taint values

  private source(node: ts.Node, label: string, remote: boolean): Taint {
    const origin: TraceStep = { kind: 'source', location: this.loc(node), label };
    return { steps: [origin], origin, remote, safe: new Set(), built: false };
  }

  /**
   * A request source. Node's HTTP parser rejects CR/LF in the request line and header values, so
   * the URL, path and headers cannot forge a log line; the Host header only reaches the requester's
   * own browser, so it is no open redirect or XSS.
   */
  private requestSource(node: ts.Node, label: string, what: string): Taint {
    const t = this.source(node, label, true);
    const safe: string[] = [];
    if (/^(url|originalUrl|path|href|headers|header|get)$/.test(what)) safe.push('CWE-117');
    if (/^(host|hostname)$/i.test(what)) safe.push('CWE-117', 'CWE-601', 'CWE-79');
    // redirecting "back" to the Referer only returns the visitor to where the browser came from
    if (/^referr?er$/i.test(what)) safe.push('CWE-601');
    return safe.length ? { ...t, safe: new Set(safe) } : t;
  }

  private step(t: Taint | null, node: ts.Node, label: string, kind: TraceStep['kind'] = 'propagation'): Taint | null {
    if (!t) return null;
    if (t.steps.length >= 12) return t;
    return { ...t, steps: [...t.steps, { kind, location: this.loc(node), label }] };
  }

  private union(a: Taint | null, b: Taint | null): Taint | null {
    if (!a) return b;
    if (!b) return a;
    const first = !a.remote && b.remote ? b : a;
    const safe = new Set([...a.safe].filter((c) => b.safe.has(c)));
    return { ...first, remote: a.remote || b.remote, safe, built: a.built || b.built };
  }

  private sanitize(t: Taint | null, cwes: Iterable<string>): Taint | null {
    if (!t) return null;
    return { ...t, safe: unionSafe(t.safe, cwes) };
  }

  private tick(): void {
    if (++this.visits > this.budget) throw new BudgetExceeded(`analysis budget of ${this.budget} steps exceeded`);
  }

  // ---------------------------------------------------------------- names

  /** The module path or global an expression names: "child_process.exec", "fs.readFile", "eval", "location.href". */
  private resolve(e: ts.Expression, scope: Scope): string | undefined {
    e = skipOuter(e);
    if (ts.isIdentifier(e)) {
      const b = scope.lookup(e.text);
      if (b) return b.mod;
      return e.text;
    }
    if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) {
      const base = this.resolve(e.expression, scope);
      return base ? normalizeModule(`${base}.${e.name.text}`) : undefined;
    }
    if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
      const base = this.resolve(e.expression, scope);
      return base ? normalizeModule(`${base}.${e.argumentExpression.text}`) : undefined;
    }
    if (ts.isCallExpression(e) && ((ts.isIdentifier(e.expression) && e.expression.text === 'require') || e.expression.kind === ts.SyntaxKind.ImportKeyword) && e.arguments.length >= 1 && ts.isStringLiteralLike(e.arguments[0])) {
      return normalizeModule(e.arguments[0].text);
    }
    if (ts.isCallExpression(e) && e.arguments.length >= 1) {
      // util.promisify(cp.exec), promisify(exec)
      const callee = this.resolve(e.expression, scope);
      if (callee === 'util.promisify' || callee === 'promisify') return this.resolve(e.arguments[0], scope);
    }
    return undefined;
  }

  private isRequest(e: ts.Expression, scope: Scope): boolean {
    e = skipOuter(e);
    if (ts.isIdentifier(e)) return !!scope.lookup(e.text)?.request;
    if (ts.isPropertyAccessExpression(e) && (e.name.text === 'request' || e.name.text === 'req')) return this.isRequest(e.expression, scope);
    return false;
  }

  // ---------------------------------------------------------------- statements

  /** Walks statements in order; true when the block always ends in return/throw. */
  private walkBlock(stmts: readonly ts.Statement[], scope: Scope, fn: FnCtx): boolean {
    // hoist function declarations so calls above them resolve
    for (const s of stmts) {
      if (ts.isFunctionDeclaration(s) && s.name) scope.declare(s.name.text, { taint: null, fn: s });
      if (ts.isClassDeclaration(s) && s.name) scope.declare(s.name.text, { taint: null, cls: s });
      // const run = (c) => … below its first use in a callback: callbacks run later, so bind it now
      if (ts.isVariableStatement(s)) {
        for (const d of s.declarationList.declarations) {
          const init = d.initializer && skipOuter(d.initializer);
          if (ts.isIdentifier(d.name) && init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) scope.declare(d.name.text, { taint: null, fn: init });
          const methods = ts.isIdentifier(d.name) && init && ts.isObjectLiteralExpression(init) ? objectMethods(init) : undefined;
          if (methods && ts.isIdentifier(d.name)) scope.declare(d.name.text, { taint: null, methods });
        }
      }
    }
    let ends = false;
    for (const s of stmts) {
      if (this.walkStmt(s, scope, fn)) ends = true;
    }
    return ends;
  }

  private walkStmt(s: ts.Statement, scope: Scope, fn: FnCtx): boolean {
    this.tick();
    if (ts.isVariableStatement(s)) {
      const exported = s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      for (const d of s.declarationList.declarations) this.declareVar(d, scope, exported);
      return false;
    }
    if (ts.isExpressionStatement(s)) {
      this.eval(s.expression, scope);
      return false;
    }
    if (ts.isReturnStatement(s)) {
      if (s.expression) fn.returns.push(this.eval(s.expression, scope));
      return true;
    }
    if (ts.isThrowStatement(s)) {
      this.eval(s.expression, scope);
      return true;
    }
    if (ts.isIfStatement(s)) return this.walkIf(s, scope, fn);
    if (ts.isBlock(s)) return this.walkBlock(s.statements, new Scope(scope), fn);
    if (ts.isFunctionDeclaration(s)) {
      if (s.body) this.analyzeStandalone(s, scope);
      return false;
    }
    if (ts.isClassDeclaration(s)) {
      this.walkClass(s, scope);
      return false;
    }
    if (ts.isForOfStatement(s) || ts.isForInStatement(s)) {
      const inner = new Scope(scope);
      const t = this.eval(s.expression, scope);
      const init = s.initializer;
      if (ts.isVariableDeclarationList(init)) {
        for (const d of init.declarations) this.bindPattern(d.name, ts.isForOfStatement(s) ? t : null, inner, true, undefined);
      } else this.assignTo(init, ts.isForOfStatement(s) ? t : null, scope);
      this.walkStmt(s.statement, inner, fn);
      return false;
    }
    if (ts.isForStatement(s)) {
      const inner = new Scope(scope);
      if (s.initializer) {
        if (ts.isVariableDeclarationList(s.initializer)) for (const d of s.initializer.declarations) this.declareVar(d, inner, false);
        else this.eval(s.initializer, inner);
      }
      if (s.condition) this.eval(s.condition, inner);
      this.walkStmt(s.statement, inner, fn);
      if (s.incrementor) this.eval(s.incrementor, inner);
      return false;
    }
    if (ts.isWhileStatement(s) || ts.isDoStatement(s)) {
      this.eval(s.expression, scope);
      this.walkStmt(s.statement, new Scope(scope), fn);
      return false;
    }
    if (ts.isTryStatement(s)) {
      const a = this.walkBlock(s.tryBlock.statements, new Scope(scope), fn);
      let b = true;
      if (s.catchClause) {
        const cs = new Scope(scope);
        if (s.catchClause.variableDeclaration) this.bindPattern(s.catchClause.variableDeclaration.name, null, cs, true, undefined);
        b = this.walkBlock(s.catchClause.block.statements, cs, fn);
      }
      const c = s.finallyBlock ? this.walkBlock(s.finallyBlock.statements, new Scope(scope), fn) : false;
      return (a && b) || c;
    }
    if (ts.isSwitchStatement(s)) {
      this.eval(s.expression, scope);
      const inner = new Scope(scope);
      for (const clause of s.caseBlock.clauses) {
        if (ts.isCaseClause(clause)) this.eval(clause.expression, inner);
        this.walkBlock(clause.statements, inner, fn);
      }
      return false;
    }
    if (ts.isLabeledStatement(s)) return this.walkStmt(s.statement, scope, fn);
    if (ts.isExportAssignment(s)) {
      this.eval(s.expression, scope);
      return false;
    }
    if (ts.isImportDeclaration(s)) {
      this.declareImport(s, scope);
      return false;
    }
    if (ts.isImportEqualsDeclaration(s)) {
      if (ts.isExternalModuleReference(s.moduleReference) && ts.isStringLiteralLike(s.moduleReference.expression)) {
        scope.declare(s.name.text, { taint: null, mod: normalizeModule(s.moduleReference.expression.text) });
      }
      return false;
    }
    // anything else (enums, type declarations, modules): visit expressions for nested sinks
    ts.forEachChild(s, (c) => {
      if (ts.isBlock(c)) this.walkBlock(c.statements, new Scope(scope), fn);
      else if (ts.isModuleBlock(c)) this.walkBlock(c.statements, new Scope(scope), fn);
    });
    return false;
  }

  private declareImport(s: ts.ImportDeclaration, scope: Scope): void {
    if (!ts.isStringLiteralLike(s.moduleSpecifier) || !s.importClause) return;
    const mod = normalizeModule(s.moduleSpecifier.text);
    const c = s.importClause;
    if (c.name) scope.declare(c.name.text, { taint: null, mod });
    const nb = c.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) scope.declare(nb.name.text, { taint: null, mod });
    if (nb && ts.isNamedImports(nb)) {
      for (const el of nb.elements) {
        const imported = (el.propertyName ?? el.name).text;
        scope.declare(el.name.text, { taint: null, mod: imported === 'default' ? mod : normalizeModule(`${mod}.${imported}`) });
      }
    }
  }

  private declareVar(d: ts.VariableDeclaration, scope: Scope, exported: boolean): void {
    const init = d.initializer;
    if (!init) {
      this.bindPattern(d.name, null, scope, true, undefined);
      return;
    }
    const inner = skipOuter(init);
    if (ts.isIdentifier(d.name) && (ts.isArrowFunction(inner) || ts.isFunctionExpression(inner))) {
      scope.declare(d.name.text, { taint: null, fn: inner });
      this.analyzeStandalone(inner, scope, exported && this.looksLikeLambda(d.name.text, inner));
      return;
    }
    const mod = this.resolve(init, scope);
    const t = this.eval(init, scope);
    if (ts.isIdentifier(d.name)) {
      this.checkCredential(d.name.text, init, d);
      const b: Binding = { taint: t ? this.step(t, d.name, `assigned to ${d.name.text}`) : null };
      if (mod && !t && this.isModuleValue(init, scope)) b.mod = mod;
      if (ts.isCallExpression(inner) && /^pino(\.default)?$/.test(this.resolve(inner.expression, scope) ?? '')) b.mod = 'pino()';
      if (ts.isCallExpression(inner) && /^(winston|bunyan|log4js|loglevel|signale|consola|tracer)(\.(createLogger|getLogger|colorConsole|console|create))?$/.test(this.resolve(inner.expression, scope) ?? '')) b.mod = 'logger()';
      if (this.isRequest(init, scope)) b.request = true;
      if (ts.isNewExpression(inner) && ts.isIdentifier(inner.expression)) b.inst = scope.lookup(inner.expression.text)?.cls;
      if (ts.isObjectLiteralExpression(inner)) b.methods = objectMethods(inner);
      if (ts.isStringLiteralLike(inner) && d.parent.flags & ts.NodeFlags.Const) b.str = inner.text;
      if (ts.isCallExpression(inner)) {
        const hook = this.resolve(inner.expression, scope) ?? '';
        // Next.js useRouter(): push/replace navigate; the pages router's .query is the URL's query
        if (/^next\/(router|navigation)\.useRouter$/.test(hook)) b.nav = true;
        if (hook === 'next/router.useRouter') b.request = true;
      }
      if (ts.isNewExpression(inner) && inner.arguments?.[0] && /^(url\.)?URL$/.test(this.resolve(inner.expression, scope) ?? '')) b.urlOf = this.key(inner.arguments[0]);
      if (ts.isCallExpression(inner) && inner.arguments[1] && this.resolve(inner.expression, scope) === 'path.relative') b.relativeOf = this.key(inner.arguments[1]);
      scope.declare(d.name.text, b);
      return;
    }
    this.bindPattern(d.name, t, scope, true, init);
  }

  /** Whether an initializer denotes a module or one of its members (require, an import alias, a property of one, promisify). */
  private isModuleValue(init: ts.Expression, scope: Scope): boolean {
    const e = skipOuter(init);
    if (ts.isCallExpression(e)) {
      if ((ts.isIdentifier(e.expression) && e.expression.text === 'require') || e.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
      const callee = this.resolve(e.expression, scope);
      return callee === 'util.promisify' || callee === 'promisify';
    }
    if (ts.isIdentifier(e)) return !!scope.lookup(e.text)?.mod;
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return this.isModuleValue(e.expression, scope);
    return false;
  }

  /**
   * Binds the names of a pattern. `init` is the initializer when known, so that destructuring a
   * request (`const { query } = req`) or a module (`const { exec } = require('child_process')`) is seen.
   */
  private bindPattern(name: ts.BindingName, t: Taint | null, scope: Scope, declare: boolean, init: ts.Expression | undefined): void {
    const set = (n: string, b: Binding) => (declare ? scope.declare(n, b) : scope.assign(n, b));
    if (ts.isIdentifier(name)) {
      set(name.text, { taint: t ? this.step(t, name, `assigned to ${name.text}`) : null });
      return;
    }
    const mod = init && this.isModuleValue(init, scope) ? this.resolve(init, scope) : undefined;
    const fromRequest = !!init && this.isRequest(init, scope);
    for (const el of name.elements) {
      if (ts.isOmittedExpression(el)) continue;
      const prop = el.propertyName && (ts.isIdentifier(el.propertyName) || ts.isStringLiteralLike(el.propertyName)) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : undefined;
      let et = t;
      if (el.initializer) this.eval(el.initializer, scope);
      if (fromRequest && ts.isObjectBindingPattern(name) && prop) {
        if (REQUEST_PROPS.has(prop)) et = this.requestSource(el, `${this.text(init!)}.${prop} (HTTP request)`, prop);
        else if (prop === 'request' || prop === 'req') {
          if (ts.isIdentifier(el.name)) set(el.name.text, { taint: null, request: true });
          continue;
        } else et = null;
      }
      if (ts.isIdentifier(el.name)) {
        const b: Binding = { taint: et ? this.step(et, el.name, `destructured into ${el.name.text}`) : null };
        const ini = init && skipOuter(init);
        if (ini && ts.isNewExpression(ini) && ini.arguments?.[0] && prop && /^(host|hostname|origin)$/.test(prop) && /^(url\.)?URL$/.test(this.resolve(ini.expression, scope) ?? '')) b.hostOf = this.key(ini.arguments[0]);
        if (mod && ts.isObjectBindingPattern(name) && prop) b.mod = normalizeModule(`${mod}.${prop}`);
        set(el.name.text, b);
      } else {
        this.bindPattern(el.name, et, scope, declare, undefined);
      }
    }
  }

  private walkIf(s: ts.IfStatement, scope: Scope, fn: FnCtx): boolean {
    this.eval(s.expression, scope);
    const facts = this.guardFacts(s.expression, scope);
    const thenScope = new Scope(scope);
    this.applyFacts(facts.whenTrue, thenScope);
    const thenEnds = this.walkStmt(s.thenStatement, thenScope, fn);
    let elseEnds = false;
    if (s.elseStatement) {
      const elseScope = new Scope(scope);
      this.applyFacts(facts.whenFalse, elseScope);
      elseEnds = this.walkStmt(s.elseStatement, elseScope, fn);
    }
    // `if (!ok(x)) return;` — what follows runs only when the check passed
    if (thenEnds && !elseEnds) this.applyFacts(facts.whenFalse, scope);
    if (elseEnds && !thenEnds) this.applyFacts(facts.whenTrue, scope);
    return thenEnds && elseEnds;
  }

  // ---------------------------------------------------------------- guards (sanitizing conditions)

  /** What a condition proves about variables when true and when false: [expression text, CWEs made safe]. */
  private guardFacts(c: ts.Expression, scope: Scope): { whenTrue: [string, string[]][]; whenFalse: [string, string[]][] } {
    c = skipOuter(c);
    const none = { whenTrue: [] as [string, string[]][], whenFalse: [] as [string, string[]][] };
    if (ts.isPrefixUnaryExpression(c) && c.operator === ts.SyntaxKind.ExclamationToken) {
      const f = this.guardFacts(c.operand, scope);
      return { whenTrue: f.whenFalse, whenFalse: f.whenTrue };
    }
    if (ts.isBinaryExpression(c)) {
      const op = c.operatorToken.kind;
      if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
        const a = this.guardFacts(c.left, scope), b = this.guardFacts(c.right, scope);
        return { whenTrue: [...a.whenTrue, ...b.whenTrue], whenFalse: [] };
      }
      if (op === ts.SyntaxKind.BarBarToken) {
        const a = this.guardFacts(c.left, scope), b = this.guardFacts(c.right, scope);
        // x === 'a' || x === 'b': what both sides prove holds when either is true
        const both = a.whenTrue.filter(([k]) => b.whenTrue.some(([k2]) => k2 === k)).map(([k, c]): [string, string[]] => [k, c.filter((x) => b.whenTrue.find(([k2]) => k2 === k)![1].includes(x))]);
        return { whenTrue: both, whenFalse: [...a.whenFalse, ...b.whenFalse] };
      }
      const eq = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
      const ne = op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
      if (eq || ne) {
        // p.indexOf(root) === 0 (startsWith written the old way); p.indexOf('..') === -1
        const [call, num] = ts.isNumericLiteral(skipOuter(c.right)) || ts.isPrefixUnaryExpression(skipOuter(c.right)) ? [skipOuter(c.left), skipOuter(c.right)] : [skipOuter(c.right), skipOuter(c.left)];
        if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'indexOf' && isTrackable(call.expression.expression) && call.arguments[0]) {
          const n = num.getText(this.sf).replace(/\s+/g, '');
          const a = skipOuter(call.arguments[0]);
          const recvKey = this.key(call.expression.expression);
          let fact: [string, string[]][] | undefined;
          if (n === '0' && !(ts.isStringLiteralLike(a) && a.text === '..')) fact = [[recvKey, ['CWE-22', 'CWE-601', 'CWE-918']]];
          if (n === '-1' && ts.isStringLiteralLike(a) && a.text === '..') fact = [[recvKey, ['CWE-22']]];
          if (fact) return eq ? { whenTrue: fact, whenFalse: [] } : { whenTrue: [], whenFalse: fact };
        }
        // new URL(u).hostname === 'api.example.com'
        const hostSide = isConstant(c.right) ? c.left : isConstant(c.left) ? c.right : undefined;
        const url = hostSide && this.urlOfHost(hostSide, scope);
        if (url) {
          const fact = url.map((k): [string, string[]] => [k, ['CWE-918', 'CWE-601']]);
          return eq ? { whenTrue: fact, whenFalse: [] } : { whenTrue: [], whenFalse: fact };
        }
        // x === 'constant'
        const [v, k] = isConstant(c.right) ? [c.left, c.right] : isConstant(c.left) ? [c.right, c.left] : [undefined, undefined];
        if (v && k && isTrackable(v)) {
          const fact: [string, string[]][] = [[this.key(v), ALL_CWES]];
          // x.indexOf('..') === -1 style checks are handled below through includes
          return eq ? { whenTrue: fact, whenFalse: [] } : { whenTrue: [], whenFalse: fact };
        }
      }
      return none;
    }
    if (ts.isCallExpression(c) && ts.isPropertyAccessExpression(c.expression)) {
      const m = c.expression.name.text;
      const recv = skipOuter(c.expression.expression);
      const arg = c.arguments[0] ? skipOuter(c.arguments[0]) : undefined;
      // /^[a-z0-9]+$/.test(x)
      // (not /^https?:\/\/.*$/ nor /^[^<]+$/: a wildcard or a negated class lets anything through)
      if (m === 'test' && ts.isRegularExpressionLiteral(recv) && arg && isTrackable(arg) && /^\/\^.*\$\/[a-z]*$/s.test(recv.text) && !/(^|[^\\])\.[*+{]|\\S|\[\^/.test(recv.text)) {
        return { whenTrue: [[this.key(arg), ALL_CWES]], whenFalse: [] };
      }
      // ALLOWED.includes(x), allowed.has(x)
      if ((m === 'includes' || m === 'has') && arg && !isTrackableTainted(recv, scope)) {
        // ALLOWED_HOSTS.includes(new URL(url).hostname): the URL's host is checked
        const url = this.urlOfHost(arg, scope);
        if (url) return { whenTrue: url.map((k): [string, string[]] => [k, ['CWE-918', 'CWE-601']]), whenFalse: [] };
        if (isTrackable(arg)) return { whenTrue: [[this.key(arg), ALL_CWES]], whenFalse: [] };
      }
      // resolved.startsWith(root)
      if (m === 'startsWith' && isTrackable(recv) && arg) {
        const a = skipOuter(arg);
        if (ts.isStringLiteralLike(a) && a.text === '..') {
          // const rel = path.relative(root, p); if (rel.startsWith('..')) reject
          const rb = ts.isIdentifier(recv) ? scope.lookup(recv.text) : undefined;
          const facts: [string, string[]][] = [[this.key(recv), ['CWE-22']]];
          if (rb?.relativeOf) facts.push([rb.relativeOf, ['CWE-22']]);
          return { whenTrue: [], whenFalse: facts };
        }
        return { whenTrue: [[this.key(recv), ['CWE-22', 'CWE-601', 'CWE-918']]], whenFalse: [] };
      }
      // x.includes('..') → when false, no parent-directory step
      if (m === 'includes' && isTrackable(recv) && arg && ts.isStringLiteralLike(skipOuter(arg)) && (skipOuter(arg) as ts.StringLiteral).text === '..') {
        return { whenTrue: [], whenFalse: [[this.key(recv), ['CWE-22']]] };
      }
    }
    // isSafePath(x), validateName(x), validator.isAlphanumeric(x): a predicate named for validation
    if (ts.isCallExpression(c) && c.arguments[0] && isTrackable(c.arguments[0])) {
      const callee = skipOuter(c.expression);
      const last = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
      // a URL's shape says nothing about its host: isURL/isValidUrl are not SSRF checks
      if (/^(is|validate|check|verify)([A-Z_]|$)/.test(last) && !/ur[li]/i.test(last)) return { whenTrue: [[this.key(c.arguments[0]), ALL_CWES]], whenFalse: [] };
    }
    return none;
  }

  /** For `new URL(x).host`, `u.hostname` (u = new URL(x)) or a destructured `hostname`: the keys of x (and u). */
  private urlOfHost(e: ts.Expression, scope: Scope): string[] | undefined {
    const x = skipOuter(e);
    if (ts.isPropertyAccessExpression(x) && /^(host|hostname|origin)$/.test(x.name.text)) {
      const base = skipOuter(x.expression);
      if (ts.isNewExpression(base) && base.arguments?.[0] && /^(url\.)?URL$/.test(this.resolve(base.expression, scope) ?? '')) return [this.key(base.arguments[0])];
      if (ts.isIdentifier(base)) {
        const b = scope.lookup(base.text);
        if (b?.urlOf) return [b.urlOf, base.text];
      }
    }
    if (ts.isIdentifier(x)) {
      const b = scope.lookup(x.text);
      if (b?.hostOf) return [b.hostOf];
    }
    return undefined;
  }

  private applyFacts(facts: [string, string[]][], scope: Scope): void {
    for (const [k, cwes] of facts) {
      const b = scope.lookup(k);
      const cur = b ? b.taint : null;
      if (b && cur) scope.declare(k, { ...b, taint: cwes.length >= ALL_CWES.length ? null : this.sanitize(cur, cwes) });
      else if (!b && k.includes('.')) {
        scope.declare(k, { taint: null, sanitizedAll: cwes.length >= ALL_CWES.length, safe: cwes });
        if (k.includes('(')) this.refinedCalls.add(k);
      }
    }
  }

  private key(e: ts.Expression): string {
    return skipOuter(e).getText(this.sf).replace(/\s+/g, '');
  }

  // ---------------------------------------------------------------- functions

  private looksLikeLambda(name: string | undefined, f: FnNode): boolean {
    const p0 = f.parameters[0];
    if (!p0 || !ts.isIdentifier(p0.name)) return false;
    if (REQUEST_NAMES.has(p0.name.text)) return false;
    return (!!name && /handler$/i.test(name)) || p0.name.text === 'event';
  }

  /**
   * `async (event, context) => …` anywhere, or a function named …handler taking `event`: a handler
   * exported later (`module.exports = { handler }`). A DOM listener takes `event` alone.
   */
  private lambdaShape(f: FnNode): boolean {
    const [p0, p1] = f.parameters;
    if (!p0 || !ts.isIdentifier(p0.name) || p0.name.text !== 'event') return false;
    if (p1 && ts.isIdentifier(p1.name) && /^(context|ctx|callback|cb)$/.test(p1.name.text)) return true;
    const name = ts.isFunctionDeclaration(f) ? f.name?.text : ts.isVariableDeclaration(f.parent) && ts.isIdentifier(f.parent.name) ? f.parent.name.text : undefined;
    return !!name && /handler$/i.test(name);
  }

  /** Whether a function is a Lambda handler: exported (exports.x =, module.exports.x =, export const/function). */
  private isLambdaHandler(f: FnNode): boolean {
    const p = f.parent;
    if (ts.isFunctionDeclaration(f)) {
      const exported = f.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
      return exported && this.looksLikeLambda(f.name?.text, f);
    }
    if (p && ts.isBinaryExpression(p) && p.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = p.left.getText(this.sf);
      const m = /^(?:module\.)?exports(?:\.(\w+))?$/.exec(left);
      if (m) return this.looksLikeLambda(m[1], f);
    }
    if (p && ts.isExportAssignment(p)) return this.looksLikeLambda(undefined, f);
    return false;
  }

  /** Analyses a function on its own: parameters untainted, except request objects and Lambda events. */
  private analyzeStandalone(f: FnNode, outer: Scope, lambda = false, routeCallback = false, firstParam: Taint | null = null): Taint | null {
    if (!f.body || this.active.has(f)) return null;
    const scope = new Scope(outer, true);
    const isLambda = lambda || this.isLambdaHandler(f) || this.lambdaShape(f);
    f.parameters.forEach((p, i) => {
      if (i === 0 && isLambda && ts.isIdentifier(p.name)) {
        scope.declare(p.name.text, { taint: this.source(p.name, `${p.name.text} (AWS Lambda handler event)`, true) });
        return;
      }
      if (i === 0 && firstParam) {
        this.bindPattern(p.name, firstParam, scope, true, undefined);
        return;
      }
      // NestJS: @Query('q') q, @Param() params, @Body() dto, @Headers() h, @Req() req
      const deco = ts.canHaveDecorators(p) ? ts.getDecorators(p)?.map((d) => (ts.isCallExpression(d.expression) ? d.expression.expression : d.expression).getText(this.sf)) : undefined;
      if (deco?.length && ts.isIdentifier(p.name)) {
        if (deco.some((d) => /^(Req|Request)$/.test(d))) {
          scope.declare(p.name.text, { taint: null, request: true });
          return;
        }
        const src = deco.find((d) => /^(Query|Param|Body|Headers|Cookies|UploadedFile|UploadedFiles)$/.test(d));
        if (src) {
          scope.declare(p.name.text, { taint: this.requestSource(p, `@${src}() ${p.name.text} (NestJS request)`, src === 'Headers' ? 'headers' : src.toLowerCase()) });
          return;
        }
      }
      if (ts.isIdentifier(p.name)) {
        const request = REQUEST_NAMES.has(p.name.text) || (i === 0 && routeCallback);
        const response = i === 1 && routeCallback;
        scope.declare(p.name.text, { taint: null, request, response });
        if (p.initializer) {
          this.checkCredential(p.name.text, p.initializer, p);
          this.eval(p.initializer, outer);
        }
        return;
      }
      if (i === 0 && routeCallback && ts.isObjectBindingPattern(p.name)) {
        // ({ query, body }, res) => … in a route callback
        for (const el of p.name.elements) {
          const prop = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : undefined;
          if (prop && REQUEST_PROPS.has(prop) && ts.isIdentifier(el.name)) scope.declare(el.name.text, { taint: this.requestSource(el, `request.${prop} (HTTP request)`, prop) });
          else this.bindPattern(el.name, null, scope, true, undefined);
        }
        return;
      }
      this.bindPattern(p.name, null, scope, true, undefined);
    });
    return this.walkBody(f, scope);
  }

  private walkBody(f: FnNode, scope: Scope): Taint | null {
    this.active.add(f);
    try {
      const ctx: FnCtx = { returns: [], node: f };
      if (ts.isBlock(f.body!)) this.walkBlock(f.body.statements, scope, ctx);
      else ctx.returns.push(this.eval(f.body as ts.Expression, scope));
      return ctx.returns.reduce<Taint | null>((a, b) => this.union(a, b), null);
    } finally {
      this.active.delete(f);
    }
  }

  /** A call to a function of this file with the arguments' taint: its return taint (memoised by tainted-parameter mask). */
  private callLocal(f: FnNode, call: ts.CallExpression | ts.NewExpression, args: (Taint | null)[], outer: Scope): Taint | null {
    if (!f.body || this.active.has(f) || this.active.size > 8) return null;
    const name = f.name && ts.isIdentifier(f.name) ? f.name.text : ts.isVariableDeclaration(f.parent) && ts.isIdentifier(f.parent.name) ? f.parent.name.text : f.parent && ts.isPropertyAssignment(f.parent) ? f.parent.name.getText(this.sf) : 'function';
    const passed = args.map((t, i) => {
      const p = f.parameters[i];
      if (!t || !p) return null;
      const pn = p.name.getText(this.sf);
      return this.step(t, call, `passed to ${name}() as ${pn}`, 'call');
    });
    // rest parameters take the remaining arguments
    const rest = f.parameters.findIndex((p) => !!p.dotDotDotToken);
    if (rest >= 0) passed[rest] = args.slice(rest).reduce<Taint | null>((a, b) => this.union(a, b), null);
    // getInput(req): the helper's parameter is the request object whatever its name
    const reqArgs = call.arguments ? call.arguments.map((a) => this.isRequest(a, outer)) : [];
    const mask = passed.map((t, i) => (t ? (t.remote ? 'r' : 'l') + [...t.safe].sort().join('') : reqArgs[i] ? 'R' : '-')).join(',');
    const memoKey = `${f.pos}:${mask}`;
    const hit = this.memo.get(memoKey);
    if (hit) {
      let ret = hit.ret;
      for (const d of hit.deps) ret = this.union(ret, passed[d]);
      return this.step(ret, call, `returned from ${name}()`);
    }
    this.memo.set(memoKey, { ret: null, deps: [] });
    const scope = new Scope(outer, true);
    f.parameters.forEach((p, i) => {
      if (ts.isIdentifier(p.name) && !passed[i] && (REQUEST_NAMES.has(p.name.text) || reqArgs[i])) {
        scope.declare(p.name.text, { taint: null, request: true });
        return;
      }
      if (ts.isIdentifier(p.name)) scope.declare(p.name.text, { taint: passed[i] });
      else this.bindPattern(p.name, passed[i], scope, true, undefined);
    });
    const ret = this.walkBody(f, scope);
    const deps: number[] = [];
    if (ret) passed.forEach((t, i) => t && t.origin === ret.origin && deps.push(i));
    this.memo.set(memoKey, { ret: deps.length ? null : ret, deps });
    return this.step(ret, call, `returned from ${name}()`);
  }

  private localFunction(callee: ts.Expression, scope: Scope): FnNode | undefined {
    callee = skipOuter(callee);
    if (ts.isIdentifier(callee)) return scope.lookup(callee.text)?.fn;
    // users.find(x) where users = new UserService() of this file
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
      const ob = scope.lookup(callee.expression.text);
      const om = ob?.methods?.get(callee.name.text);
      if (om) return om;
      const cls = ob?.inst;
      const m = cls && this.methodsOf(cls).get(callee.name.text);
      if (m) return m;
    }
    if (ts.isPropertyAccessExpression(callee) && callee.expression.kind === ts.SyntaxKind.ThisKeyword) {
      for (let p: ts.Node | undefined = callee.parent; p; p = p.parent) {
        if (ts.isClassLike(p)) return this.methodsOf(p).get(callee.name.text);
      }
    }
    return undefined;
  }

  private methodsOf(c: ts.ClassLikeDeclaration): Map<string, ts.MethodDeclaration> {
    let m = this.classMethods.get(c);
    if (!m) {
      m = new Map();
      for (const x of c.members) if (ts.isMethodDeclaration(x) && x.body && !m.has(x.name.getText(this.sf))) m.set(x.name.getText(this.sf), x);
      this.classMethods.set(c, m);
    }
    return m;
  }

  private walkClass(c: ts.ClassLikeDeclaration, scope: Scope): void {
    for (const m of c.members) {
      if (ts.isPropertyDeclaration(m) && m.initializer) {
        if (ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) || ts.isPrivateIdentifier(m.name)) this.checkCredential(m.name.text.replace(/^#/, ''), m.initializer, m);
        const init = skipOuter(m.initializer);
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) this.analyzeStandalone(init, scope);
        else this.eval(m.initializer, scope);
      } else if ((ts.isMethodDeclaration(m) || ts.isConstructorDeclaration(m) || ts.isGetAccessor(m) || ts.isSetAccessor(m)) && m.body) {
        this.analyzeStandalone(m, scope);
      }
    }
  }

  // ---------------------------------------------------------------- expressions

  private eval(e: ts.Expression, scope: Scope): Taint | null {
    this.tick();
    if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e) || ts.isAwaitExpression(e)) {
      return this.eval(e.expression, scope);
    }
    if (ts.isYieldExpression(e) || ts.isSpreadElement(e)) return e.expression ? this.eval(e.expression, scope) : null;
    if (ts.isIdentifier(e)) return this.evalIdentifier(e, scope);
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) return this.evalAccess(e, scope);
    if (ts.isCallExpression(e)) {
      if (this.refinedCalls.size && this.refinedCalls.has(this.key(e))) {
        const b = scope.lookup(this.key(e));
        if (b?.sanitizedAll) return null;
        if (b?.safe) return this.sanitize(this.evalCall(e, scope), b.safe);
      }
      return this.evalCall(e, scope);
    }
    if (ts.isNewExpression(e)) return this.evalNew(e, scope);
    if (ts.isBinaryExpression(e)) return this.evalBinary(e, scope);
    if (ts.isTemplateExpression(e)) {
      let t: Taint | null = null;
      for (const span of e.templateSpans) t = this.union(t, this.eval(span.expression, scope));
      if (!t) return null;
      t = { ...t, built: true };
      // `https://api.example.com/users/${id}` or `/profile/${id}`: the origin is fixed
      if (fixedOrigin(e.head.text)) t = this.sanitize(t, ['CWE-918', 'CWE-601']);
      else if (/^([a-z][a-z0-9+.-]*:)?\/\/$/i.test(e.head.text) && e.templateSpans.length) {
        // `https://${host}/…` with a host the requester cannot point elsewhere, then a path
        const [h, next] = e.templateSpans;
        const hostOk = this.originSafe(h.expression, scope);
        const pathNext = h.literal.text.startsWith('/') || (h.literal.text === '' && !!next && isRequestPath(next.expression));
        if (hostOk && pathNext) t = this.sanitize(t, ['CWE-918', 'CWE-601']);
      }
      return t;
    }
    if (ts.isTaggedTemplateExpression(e)) {
      const tag = e.tag.getText(this.sf);
      const t = ts.isTemplateExpression(e.template) ? e.template.templateSpans.reduce<Taint | null>((a, s) => this.union(a, this.eval(s.expression, scope)), null) : null;
      // sql`… ${x}` of postgres.js, slonik, @vercel/postgres, Prisma.sql: placeholders, not text
      if (/(^|\.)(sql|SQL|\$queryRaw|\$executeRaw)$|^Prisma\.sql$|^sql\.\w+$/.test(tag)) return null;
      return t;
    }
    if (ts.isConditionalExpression(e)) {
      // ALLOWED.includes(x) ? x : 'default' — the checks of the condition hold in each branch
      this.eval(e.condition, scope);
      const facts = this.guardFacts(e.condition, scope);
      const yes = new Scope(scope);
      this.applyFacts(facts.whenTrue, yes);
      const no = new Scope(scope);
      this.applyFacts(facts.whenFalse, no);
      return this.union(this.eval(e.whenTrue, yes), this.eval(e.whenFalse, no));
    }
    if (ts.isObjectLiteralExpression(e)) return this.evalObject(e, scope);
    if (ts.isArrayLiteralExpression(e)) {
      return e.elements.reduce<Taint | null>((a, el) => this.union(a, this.eval(el, scope)), null);
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      this.analyzeStandalone(e, scope);
      return null;
    }
    if (ts.isClassExpression(e)) {
      this.walkClass(e, scope);
      return null;
    }
    if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) {
      this.eval(e.operand, scope);
      return null;
    }
    if (ts.isTypeOfExpression(e) || ts.isVoidExpression(e) || ts.isDeleteExpression(e)) {
      this.eval(e.expression, scope);
      return null;
    }
    if (ts.isJsxElement(e) || ts.isJsxSelfClosingElement(e) || ts.isJsxFragment(e)) {
      this.walkJsx(e, scope);
      return null;
    }
    return null;
  }

  private evalIdentifier(e: ts.Identifier, scope: Scope): Taint | null {
    const b = scope.lookup(e.text);
    if (b) return b.taint;
    if (e.text === 'location') return this.source(e, 'location (browser URL)', true);
    return null;
  }

  private evalAccess(e: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): Taint | null {
    // refinements and assignments to this exact path (`opts.url = …`, a checked `req.query.id`)
    const k = this.key(e);
    const kb = scope.lookup(k);
    if (kb && kb.taint) return kb.taint;
    let t = this.evalAccessRaw(e, scope);
    if (kb) {
      if (kb.sanitizedAll) return null;
      if (kb.safe) t = this.sanitize(t, kb.safe);
    }
    return t;
  }

  private evalAccessRaw(e: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): Taint | null {
    const prop = ts.isPropertyAccessExpression(e) ? e.name.text : ts.isStringLiteralLike(e.argumentExpression) ? e.argumentExpression.text : undefined;
    if (ts.isElementAccessExpression(e)) this.eval(e.argumentExpression, scope);
    if (prop && this.isRequest(e.expression, scope) && REQUEST_PROPS.has(prop)) {
      const whole = outermostAccess(e);
      const header = prop === 'headers' && whole !== e && (ts.isPropertyAccessExpression(whole.parent) || true) ? whole.getText(this.sf).replace(/^.*headers\W*/, '').replace(/\W.*$/, '') : '';
      return this.requestSource(e, `${this.text(whole)} (HTTP request)`, /^(host|referr?er)$/i.test(header) ? header : prop);
    }
    const name = this.resolve(e, scope);
    if (name) {
      if (/^process\.env(\.|$)/.test(name)) return this.source(e, `${this.text(e)} (environment)`, false);
      if (/^process\.argv(\.|$)/.test(name)) return this.source(e, `${this.text(e)} (command line)`, false);
      if (BROWSER_SOURCES.test(name)) return this.source(e, `${this.text(e)} (browser URL or document)`, true);
      if (name.startsWith('location.')) return this.source(e, `${this.text(e)} (browser URL)`, true);
    }
    if (prop === 'length') {
      this.eval(e.expression, scope);
      return null;
    }
    const base = this.eval(e.expression, scope);
    return base;
  }

  private evalObject(e: ts.ObjectLiteralExpression, scope: Scope): Taint | null {
    let t: Taint | null = null;
    for (const p of e.properties) {
      if (ts.isPropertyAssignment(p)) {
        const pname = ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name) ? p.name.text : undefined;
        if (pname) this.checkPropertyFlags(pname, p.initializer, p);
        if (ts.isComputedPropertyName(p.name)) this.eval(p.name.expression, scope);
        t = this.union(t, this.eval(p.initializer, scope));
      } else if (ts.isShorthandPropertyAssignment(p)) {
        t = this.union(t, this.evalIdentifier(p.name, scope));
      } else if (ts.isSpreadAssignment(p)) {
        t = this.union(t, this.eval(p.expression, scope));
      } else if ((ts.isMethodDeclaration(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p)) && p.body) {
        this.analyzeStandalone(p, scope);
      }
    }
    return t;
  }

  private evalBinary(e: ts.BinaryExpression, scope: Scope): Taint | null {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.EqualsToken) {
      const t = this.eval(e.right, scope);
      this.assignTo(e.left, t, scope, e.right);
      return t;
    }
    if (op === ts.SyntaxKind.PlusEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.QuestionQuestionEqualsToken) {
      const t = this.union(this.eval(e.left, scope), this.eval(e.right, scope));
      const u = t && op === ts.SyntaxKind.PlusEqualsToken ? { ...t, built: true } : t;
      this.assignTo(e.left, u, scope, e.right);
      return u;
    }
    if (op === ts.SyntaxKind.PlusToken) {
      // a + b + c + … evaluated as a list (generated code has chains deeper than the call stack)
      let t: Taint | null = null;
      for (const part of flattenPlus(e)) t = this.union(t, this.eval(part, scope));
      if (!t) return null;
      t = { ...t, built: true };
      const lead = leftmostString(e);
      if (lead !== undefined && fixedOrigin(lead)) t = this.sanitize(t, ['CWE-918', 'CWE-601']);
      else if (!(ts.isBinaryExpression(e.parent) && e.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)) {
        // 'https://' + host + path, host not attacker-chosen, path starting with '/'
        const parts = flattenPlus(e);
        const p0 = skipOuter(parts[0]);
        if (parts.length >= 3 && ts.isStringLiteralLike(p0) && /^([a-z][a-z0-9+.-]*:)?\/\/$/i.test(p0.text) && this.originSafe(parts[1], scope)) {
          const p2 = skipOuter(parts[2]);
          if ((ts.isStringLiteralLike(p2) && p2.text.startsWith('/')) || isRequestPath(p2)) t = this.sanitize(t, ['CWE-918', 'CWE-601']);
        }
      }
      return t;
    }
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.AmpersandAmpersandToken) {
      const l = this.eval(e.left, scope);
      const r = this.eval(e.right, scope);
      return op === ts.SyntaxKind.AmpersandAmpersandToken ? r : this.union(l, r);
    }
    if (op === ts.SyntaxKind.CommaToken) {
      this.eval(e.left, scope);
      return this.eval(e.right, scope);
    }
    // comparisons, arithmetic, instanceof, in: a number or a boolean
    if (op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) {
      // if (password === 'hunter2'): a credential checked against a literal
      const [v, k] = ts.isStringLiteralLike(skipOuter(e.right)) ? [skipOuter(e.left), skipOuter(e.right)] : [skipOuter(e.right), skipOuter(e.left)];
      const vname = ts.isIdentifier(v) ? v.text : ts.isPropertyAccessExpression(v) ? v.name.text : undefined;
      if (vname && ts.isStringLiteralLike(k)) this.checkCredential(vname, k, e);
    }
    this.eval(e.left, scope);
    this.eval(e.right, scope);
    return null;
  }

  private assignTo(left: ts.Expression | ts.ForInitializer, t: Taint | null, scope: Scope, right?: ts.Expression): void {
    const l = skipOuter(left as ts.Expression);
    if (ts.isIdentifier(l)) {
      if (right) this.checkCredential(l.text, right, l.parent);
      if (l.text === 'location') this.sink('js/open-redirect', t, l.parent, 'location = … (browser navigation)');
      const prev = scope.lookup(l.text);
      scope.assign(l.text, { ...(prev ?? {}), taint: t ? this.step(t, l, `assigned to ${l.text}`) : null });
      return;
    }
    if (ts.isObjectLiteralExpression(l) || ts.isArrayLiteralExpression(l)) {
      for (const el of ts.isObjectLiteralExpression(l) ? l.properties : l.elements) {
        if (ts.isShorthandPropertyAssignment(el)) this.assignTo(el.name, t, scope);
        else if (ts.isPropertyAssignment(el)) this.assignTo(el.initializer, t, scope);
        else if (ts.isSpreadElement(el) || ts.isSpreadAssignment(el)) this.assignTo(el.expression, t, scope);
        else if (!ts.isOmittedExpression(el) && ts.isExpression(el)) this.assignTo(el, t, scope);
      }
      return;
    }
    if (ts.isPropertyAccessExpression(l) || ts.isElementAccessExpression(l)) {
      const prop = ts.isPropertyAccessExpression(l) ? l.name.text : ts.isStringLiteralLike(l.argumentExpression) ? l.argumentExpression.text : undefined;
      const target = this.resolve(l, scope);
      const sinkNode = l.parent;
      if (prop === 'innerHTML' || prop === 'outerHTML') this.sink('js/xss', t, sinkNode, `${this.text(l)} = … (HTML)`);
      if (target && /^(location(\.href|\.pathname)?|document\.location(\.href)?)$/.test(target)) this.sink('js/open-redirect', t, sinkNode, `${this.text(l)} = … (browser navigation)`);
      if (prop === 'body' && this.isRequestContext(l.expression, scope)) this.sink('js/xss', t && t.built ? t : null, sinkNode, `${this.text(l)} = … (Koa response body)`);
      if (right) {
        if (prop) this.checkPropertyFlags(prop, right, sinkNode);
        if (target === 'process.env.NODE_TLS_REJECT_UNAUTHORIZED') {
          const r = skipOuter(right);
          if ((ts.isStringLiteralLike(r) && r.text === '0') || (ts.isNumericLiteral(r) && r.text === '0')) {
            this.report('js/tls-verification-disabled', sinkNode, [], { fix: this.fixReplacing(sinkNode, r, ts.isStringLiteralLike(r) ? "'1'" : '1', 'turn certificate verification back on') });
          }
        }
      }
      if (t) {
        // weak update: the object now holds tainted data; the exact path reads it back
        scope.declare(this.key(l), { taint: t });
        const root = rootIdentifier(l);
        if (root) {
          const b = scope.lookup(root.text);
          if (b && !b.mod && !b.request) scope.assign(root.text, { ...b, taint: this.union(b.taint, t) });
        }
      }
      this.eval(l.expression, scope);
    }
  }

  /** A Koa-style context (named ctx, or a request object whose `.body` is the response). */
  private isRequestContext(e: ts.Expression, scope: Scope): boolean {
    const x = skipOuter(e);
    return ts.isIdentifier(x) && x.text === 'ctx' && !!scope.lookup('ctx')?.request;
  }

  private evalNew(e: ts.NewExpression, scope: Scope): Taint | null {
    const name = this.resolve(e.expression, scope);
    const args = (e.arguments ?? []).map((a) => this.eval(a, scope));
    const all = args.reduce<Taint | null>((a, b) => this.union(a, b), null);
    if (name === 'Function') this.sink('js/code-injection', all, e, 'new Function(…)');
    if (name === 'vm.Script') this.sink('js/code-injection', args[0] ?? null, e, 'new vm.Script(…)');
    const local = this.localFunction(e.expression, scope);
    if (local) return this.callLocal(local, e, args, scope);
    return all;
  }

  private evalCall(e: ts.CallExpression, scope: Scope): Taint | null {
    const callee = skipOuter(e.expression);
    const name = this.resolve(callee, scope);
    const method = ts.isPropertyAccessExpression(callee) ? callee.name.text : undefined;
    const recvNode = ts.isPropertyAccessExpression(callee) ? skipOuter(callee.expression) : undefined;
    const recvText = recvNode ? recvNode.getText(this.sf).replace(/\s+/g, '') : '';

    // require('x') is a module, not data
    if ((ts.isIdentifier(callee) && callee.text === 'require' && !scope.lookup('require')) || callee.kind === ts.SyntaxKind.ImportKeyword) {
      const t = e.arguments[0] ? this.eval(e.arguments[0], scope) : null;
      // require(`./config/${process.env.NODE_ENV}`) is how configuration is chosen: remote sources only
      this.sink('js/code-injection', t, e, `${this.text(callee)}(…) loads and runs the module named by its argument`, { remoteOnly: true });
      return null;
    }

    // sources that are calls
    if (method && recvNode && REQUEST_METHODS.has(method) && this.isRequest(recvNode, scope)) {
      for (const a of e.arguments) this.eval(a, scope);
      const a0 = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      const what = a0 && ts.isStringLiteralLike(a0) && /^(host|referr?er)$/i.test(a0.text) ? a0.text : method;
      return this.requestSource(e, `${this.text(e)} (HTTP request)`, what);
    }

    let recvTaint = recvNode && !this.isModuleValueExpr(recvNode, scope) ? this.eval(recvNode, scope) : null;
    // Function(code)(), (function () { … })(), handlers[name](): the callee is an expression of its own
    if (!ts.isIdentifier(callee) && !ts.isPropertyAccessExpression(callee) && callee.kind !== ts.SyntaxKind.SuperKeyword) {
      recvTaint = ts.isElementAccessExpression(callee) && this.isModuleValueExpr(callee.expression, scope) ? null : this.eval(callee, scope);
    }

    // callbacks: an element of a tainted receiver (`.then(x => …)`, `.forEach(x => …)`), a route handler, or plain
    const route = method !== undefined && ROUTE_METHODS.has(method) && (e.arguments.length > 1 || /^(app|router|server|fastify|api|r|routes?)$/i.test(recvText));
    const args: (Taint | null)[] = e.arguments.map((a) => {
      const x = skipOuter(a);
      if (ts.isArrowFunction(x) || ts.isFunctionExpression(x)) {
        let first = method && CALLBACK_METHODS.has(method) ? recvTaint : null;
        // addEventListener('message', e => …): another window's postMessage data
        const a0 = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
        if (method === 'addEventListener' && a0 && ts.isStringLiteralLike(a0) && a0.text === 'message' && x.parameters[0]) {
          first = this.source(x.parameters[0], `${x.parameters[0].name.getText(this.sf)} (postMessage event)`, true);
        }
        this.analyzeStandalone(x, scope, false, route, first ? this.step(first, x, `callback of .${method}()`) : null);
        return null;
      }
      // app.get('/x', handleX) with function handleX(r, s) declared in this file
      // event.Records.map(processRecord): the local function gets the receiver's elements
      const cb = method && CALLBACK_METHODS.has(method) && recvTaint && ts.isIdentifier(x) ? scope.lookup(x.text)?.fn : undefined;
      if (cb) {
        this.callLocal(cb, e, [this.step(recvTaint, x, `callback of .${method}()`)], scope);
        return null;
      }
      const named = route && ts.isIdentifier(x) ? scope.lookup(x.text)?.fn : undefined;
      if (named) {
        if (named.parameters[0] && ts.isIdentifier(named.parameters[0].name) && !REQUEST_NAMES.has(named.parameters[0].name.text)) this.analyzeStandalone(named, scope, false, true);
        return null;
      }
      return this.eval(a, scope);
    });

    // sanitizers and cleansing conversions
    const san = this.sanitizer(name, method, recvText, e);
    if (san === 'all') return null;
    this.sinkMatched = false;
    this.checkSinks(e, name, method, recvText, args, scope, recvNode);
    const wasSink = this.sinkMatched;

    if (method && CLEANSING_METHODS.has(method)) return null;
    // ids.split(',').map(Number): every element converted
    if (method && /^(map|flatMap)$/.test(method) && e.arguments[0] && CLEANSING_CALLS.has(this.resolve(e.arguments[0], scope) ?? '')) return null;
    if (name && CLEANSING_CALLS.has(name)) return null;

    // URL state in React routers: useSearchParams(), useParams()
    if (name && /^(next\/navigation|react-router-dom|react-router)\.(useSearchParams|useParams)$/.test(name)) {
      return this.source(e, `${this.text(e)} (URL of the page)`, true);
    }

    // sources that are calls (after the sink check: readFileSync(path) is both)
    if (name && /^fs\.(readFileSync|readFile)$/.test(name)) {
      return this.source(e, `${this.text(e)} (file contents)`, false);
    }

    const local = this.localFunction(callee, scope);
    if (local) return this.callLocal(local, e, args, scope);
    if (wasSink) return null;

    // a database or ORM call on a clean receiver returns stored rows, not its arguments (second-order flows are out of scope)
    if (method && !recvTaint && /^(find\w*|count\w*|create|bulkCreate|update\w*|upsert|destroy|delete\w*|remove|save|insert\w*|aggregate|populate|lean|findByPk|findById|get|getOne|getMany|fetch|exists|hget|hgetall)$/.test(method) && recvNode && !/^(_|lodash|underscore|R|ramda|dotProp|objectPath|Reflect|Object|Array|JSON)$/.test(recvText)) return null;

    // arr.push(x), params.append(k, x), map.set(k, x), Object.assign(target, x): the container now holds x
    const argsTaint = args.reduce<Taint | null>((a, b) => this.union(a, b), null);
    if (argsTaint && method && /^(push|unshift|append|add|set|splice)$/.test(method) && recvNode) this.taintContainer(recvNode, argsTaint, scope);
    if (name === 'Object.assign' && e.arguments[0]) this.taintContainer(e.arguments[0], args.slice(1).reduce<Taint | null>((a, b) => this.union(a, b), null), scope);

    // a library's sanitizer or predicate, judged by its name (a function of this file is analysed instead)
    const last = method ?? (ts.isIdentifier(callee) ? callee.text : '');
    if (/^(sanitiz|escape|purify)/i.test(last)) return null;
    if (/^(is|has|can|validate|check|verify)([A-Z_]|$)/.test(last)) return null;

    // anything else passes its receiver's and arguments' taint through (x.trim(), path.join(a, b), JSON.parse(s))
    let t = args.reduce<Taint | null>((a, b) => this.union(a, b), recvTaint);
    if (t && method && /^(replace|replaceAll)$/.test(method)) t = this.replaceSanitizes(e, t);
    // path.normalize(p).replace(/^(\.\.(\/|\\|$))+/, ''): normalised first, leading parent steps cut
    if (t && method === 'replace' && recvNode && ts.isCallExpression(recvNode) && this.resolve(recvNode.expression, scope) === 'path.normalize') {
      const re = e.arguments[0] && skipOuter(e.arguments[0]);
      if (re && ts.isRegularExpressionLiteral(re) && /^\/\^/.test(re.text) && re.text.includes('\\.\\.')) t = this.sanitize(t, ['CWE-22']);
    }
    if (san) t = this.sanitize(t, san);
    if (t && method && /^(toString|trim|slice|substring|substr|toLowerCase|toUpperCase|concat|padStart|padEnd|repeat|normalize|join)$/.test(method)) t = { ...t, built: true };
    if (name === 'JSON.stringify') t = this.sanitize(t, ['CWE-117']);
    return t;
  }

  /** A host part that is constant or from the Host header (the requester's own). */
  private originSafe(e: ts.Expression, scope: Scope): boolean {
    const x = skipOuter(e);
    if (isConstant(x)) return true;
    const t = this.eval(x, scope);
    return !t || t.safe.has('CWE-601');
  }

  private taintContainer(target: ts.Expression, t: Taint | null, scope: Scope): void {
    const root = rootIdentifier(target);
    if (!t || !root) return;
    const b = scope.lookup(root.text);
    if (b && (b.mod || b.request || b.fn)) return;
    scope.assign(root.text, { ...(b ?? {}), taint: this.union(b?.taint ?? null, this.step(t, target, `added to ${root.text}`)) });
  }

  private isModuleValueExpr(e: ts.Expression, scope: Scope): boolean {
    const x = skipOuter(e);
    if (ts.isIdentifier(x)) {
      const b = scope.lookup(x.text);
      return !!b?.mod || (!b && /^(process|Math|JSON|Number|Object|Array|String|Promise|console|Date|Reflect|Buffer|crypto|path|window|document)$/.test(x.text));
    }
    if (ts.isPropertyAccessExpression(x)) return this.isModuleValueExpr(x.expression, scope) && !/^process\.(env|argv)/.test(x.getText(this.sf)) && !BROWSER_SOURCES.test(normalizeModule(x.getText(this.sf)));
    return false;
  }

  /** `x.replace(/[\r\n]/g, '')` strips line breaks (CWE-117); `x.replace(/[^\w-]/g, '')` keeps only safe characters (every rule). */
  private replaceSanitizes(e: ts.CallExpression, t: Taint): Taint | null {
    const [re, rep] = e.arguments.map((a) => skipOuter(a));
    if (!re || !ts.isRegularExpressionLiteral(re) || !rep || !ts.isStringLiteralLike(rep)) return t;
    const src = re.text;
    if (!/\/[a-z]*g[a-z]*$/.test(src)) return t;
    if (/^\/\[\^[\\\w\-.\s]*\]\+?\/[a-z]*$/.test(src) && !/[./]/.test(src.slice(3, src.lastIndexOf(']'))) && rep.text === '') return null;
    // x.replace(/</g, '&lt;'): the HTML-escaping chain written out by hand
    if (/</.test(src) && (rep.text === '' || rep.text.includes('&lt;') || rep.text.includes('&#60;'))) return this.sanitize(t, ['CWE-79']);
    if (/\\n/.test(src) && /\\r/.test(src)) return this.sanitize(t, ['CWE-117']);
    if (/\\n|\\s/.test(src)) return this.sanitize(t, ['CWE-117']);
    return t;
  }

  /** What a call sanitizes: 'all' for conversions, a CWE list for encoders, undefined otherwise. */
  private sanitizer(name: string | undefined, method: string | undefined, recvText: string, _e: ts.CallExpression): 'all' | string[] | undefined {
    const n = name ?? '';
    const last = method ?? n.split('.').pop() ?? '';
    if (n === 'path.basename') return ['CWE-22'];
    if (/^(escapeHtml|escapeHTML|htmlEscape|encodeHTML|encodeHtml|sanitizeHtml|sanitizeHTML|xss|filterXSS|escape-html|he\.encode|he\.escape|validator\.escape|lodash\.escape|_\.escape|DOMPurify\.sanitize|dompurify\.sanitize|sanitize-html|xss\.filterXSS)$/.test(n) || /^(escapeHtml|sanitizeHtml|filterXSS)$/.test(last)) return ['CWE-79', 'CWE-117'];
    if (/^(sanitize|purify)$/.test(last) && /purify/i.test(recvText)) return ['CWE-79'];
    if (last === 'escape' && SQL_RECEIVER.test(recvText)) return ['CWE-89'];
    if (/^(sqlstring|mysql|mysql2|SqlString)\.(escape|escapeId|format)$/.test(n) || /^(escapeLiteral|escapeIdentifier|escapeId)$/.test(last)) return ['CWE-89'];
    if (last === 'escape' || n === 'escape') return ['CWE-79'];
    if (n === 'encodeURIComponent') return ['CWE-79', 'CWE-22', 'CWE-117', 'CWE-78'];
    if (n === 'encodeURI') return ['CWE-117'];
    if (/^(shell-quote\.quote|shellescape|shell-escape|shescape\.quote|quote)$/.test(n)) return ['CWE-78'];
    if (/^validator\.is\w+$/.test(n)) return 'all';
    return undefined;
  }

  // ---------------------------------------------------------------- sinks of calls

  private checkSinks(e: ts.CallExpression, name: string | undefined, method: string | undefined, recvText: string, args: (Taint | null)[], scope: Scope, recvNode?: ts.Expression): void {
    const isRes = (name: string) => RESPONSE_RECEIVER.test(name) || (/^\w+$/.test(name) && !!scope.lookup(name)?.response);
    // res.status(200).type('html').send(…): the response object under a chain of its own setters
    let resRoot = recvText;
    let nonHtml = false;
    let html = false;
    for (let x = recvNode; x && ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression); ) {
      const m = x.expression.name.text;
      const a = x.arguments[0] ? skipOuter(x.arguments[0]) : undefined;
      const b = x.arguments[1] ? skipOuter(x.arguments[1]) : undefined;
      if (m === 'json' || m === 'jsonp') nonHtml = true;
      if ((m === 'type' || m === 'contentType') && a && ts.isStringLiteralLike(a) && !/html|xml|svg/i.test(a.text)) nonHtml = true;
      if ((m === 'type' || m === 'contentType' || m === 'header') && [a, b].some((v) => v && ts.isStringLiteralLike(v) && /html/i.test(v.text))) html = true;
      if ((m === 'set' || m === 'header' || m === 'setHeader') && a && b && ts.isStringLiteralLike(a) && /^content-type$/i.test(a.text) && ts.isStringLiteralLike(b) && !/html|xml|svg/i.test(b.text)) nonHtml = true;
      if (!/^(status|type|contentType|set|header|setHeader|cookie|clearCookie|vary|append|location|links|attachment)$/.test(m)) break;
      x = skipOuter(x.expression.expression);
      if (ts.isIdentifier(x)) resRoot = x.text;
    }
    const n = name ?? '';
    const a0 = args[0] ?? null;
    const all = args.reduce<Taint | null>((a, b) => this.union(a, b), null);
    const call = this.text(e.expression, 60);

    // ---- command injection
    if (/^(child_process\.(exec|execSync)|shelljs\.exec|shell\.exec|execa\.(command|commandSync|execaCommand|execaCommandSync))$/.test(n)) this.sink('js/command-injection', a0, e, `${call}(…) runs its argument through a shell`);
    if (/^child_process\.(spawn|spawnSync|execFile|execFileSync)$/.test(n)) {
      const opts = e.arguments.find((a) => ts.isObjectLiteralExpression(skipOuter(a))) as ts.ObjectLiteralExpression | undefined;
      const shell = opts && opts.properties.some((p) => ts.isPropertyAssignment(p) && p.name.getText(this.sf) === 'shell' && skipOuter(p.initializer).kind !== ts.SyntaxKind.FalseKeyword);
      const cmd = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      const viaShell = cmd && ts.isStringLiteralLike(cmd) && SHELLS.test(cmd.text);
      if (shell) this.sink('js/command-injection', this.union(a0, args[1] ?? null), e, `${call}(…, {shell: true})`);
      else if (viaShell && e.arguments[1]) {
        const arr = skipOuter(e.arguments[1]);
        if (ts.isArrayLiteralExpression(arr)) {
          const ci = arr.elements.findIndex((x) => ts.isStringLiteralLike(x) && /^(-c|\/c|-Command)$/i.test(x.text));
          if (ci >= 0) {
            const t = arr.elements.slice(ci + 1).reduce<Taint | null>((acc, x) => this.union(acc, this.eval(x, scope)), null);
            this.sink('js/command-injection', t, e, `${call}('${(cmd as ts.StringLiteral).text}', ['${(arr.elements[ci] as ts.StringLiteral).text}', …]) runs a shell command line`);
          }
        }
      } else if (a0?.remote) {
        // the program itself chosen by a remote user (no shell; a local CLI re-spawning argv[0] is normal)
        this.sink('js/command-injection', a0, e, `${call}(…) runs a program named by its first argument`);
      }
    }

    // ---- code injection and eval-based deserialization
    if (n === 'eval' || n === 'vm.runInNewContext' || n === 'vm.runInThisContext' || n === 'vm.runInContext' || n === 'vm.compileFunction' || n === 'Function') {
      const arg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      // eval('(' + serialized + ')'): the serialize-javascript / JSON-with-functions round trip
      const wrapped = arg && ((ts.isBinaryExpression(arg) && /^\s*\(/.test(leftmostString(arg) ?? '')) || (ts.isTemplateExpression(arg) && /^\s*\($/.test(arg.head.text)));
      if (wrapped && n === 'eval') this.sink('js/unsafe-deserialization', a0, e, 'eval(\'(\' + data + \')\') deserializes by running code', { cwe: ['CWE-502', 'CWE-95'] });
      else this.sink('js/code-injection', n === 'Function' ? all : a0, e, `${call}(…) evaluates its argument as code`);
    }
    if (/^(setTimeout|setInterval|setImmediate|window\.setTimeout|window\.setInterval)$/.test(n)) {
      const arg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      if (arg && !ts.isArrowFunction(arg) && !ts.isFunctionExpression(arg)) this.sink('js/code-injection', a0, e, `${call}(string) evaluates the string as code`);
    }

    // ---- unsafe deserialization
    if (/^(node-serialize|serialize)\.unserialize$/.test(n) || n === 'node-serialize.unserialize') this.sink('js/unsafe-deserialization', a0, e, `${call}(…) (node-serialize runs functions in the data)`);
    if (/^js-yaml\.(load|loadAll)$/.test(n)) {
      const optsArg = e.arguments[n.endsWith('loadAll') ? 2 : 1];
      const schema = optsArg && ts.isObjectLiteralExpression(skipOuter(optsArg)) ? (skipOuter(optsArg) as ts.ObjectLiteralExpression).properties.find((p) => p.name?.getText(this.sf) === 'schema') : undefined;
      const schemaText = schema && ts.isPropertyAssignment(schema) ? schema.initializer.getText(this.sf) : undefined;
      const unsafeSchema = schemaText !== undefined && /DEFAULT_FULL_SCHEMA|js-types|jsTypes|JS_SCHEMA/i.test(schemaText);
      const oldDefault = schemaText === undefined && (this.opts.jsYamlMajor ?? 4) < 4;
      if (unsafeSchema || oldDefault) this.sink('js/unsafe-deserialization', a0, e, `${call}(…) with ${unsafeSchema ? schemaText : 'the js-yaml 3 default schema'} constructs JavaScript functions`);
    }
    if (/^(funcster\.deepDeserialize|cryo\.parse)$/.test(n)) this.sink('js/unsafe-deserialization', a0, e, `${call}(…) revives functions`);

    // ---- SQL injection
    if (method) {
      const sqlByName = /^(sequelize\.query|knex\.raw)$/.test(n) || /^(\$queryRawUnsafe|\$executeRawUnsafe|whereRaw|havingRaw|orderByRaw|joinRaw|unsafe)$/.test(method);
      const sqlByReceiver = SQL_RECEIVER.test(recvText) && !/http|api|axios|redis|cache|map|store|session|params|headers|url|router|app|res|req/i.test(recvText)
        && (/^(query|execute|raw|exec|prepare)$/.test(method) || (/^(run|all|get|each)$/.test(method) && /db|sqlite|database/i.test(recvText)));
      if ((sqlByName || sqlByReceiver) && e.arguments.length >= 1) {
        const sqlArg = skipOuter(e.arguments[0]);
        // query({ text, values }) config objects: the text property
        const t = ts.isObjectLiteralExpression(sqlArg) ? this.objectProp(sqlArg, ['text', 'sql'], scope) : a0;
        this.sink('js/sql-injection', t, e, `${this.text(e.expression, 60)}(…) runs a SQL text`);
      }
    }

    if (method === 'literal' && /sequelize/i.test(recvText)) this.sink('js/sql-injection', a0, e, `${call}(…) puts raw SQL in a query`);
    if (method && /^(where|andWhere|orWhere|having|andHaving|orHaving|orderBy|addOrderBy|select|addSelect)$/.test(method) && /QueryBuilder\(/i.test(recvText) && a0?.built) {
      this.sink('js/sql-injection', a0, e, `${call}(…) puts a SQL condition built from text in a TypeORM query`);
    }

    // ---- path traversal
    if (/^fs\.(readFile|readFileSync|createReadStream|writeFile|writeFileSync|createWriteStream|appendFile|appendFileSync|unlink|unlinkSync|rm|rmSync|readdir|readdirSync|open|openSync|access|accessSync|stat|statSync|copyFile|copyFileSync|rename|renameSync|mkdir|mkdirSync|rmdir|rmdirSync|lstat|lstatSync|exists|existsSync)$/.test(n)) {
      this.sink('js/path-traversal', a0, e, `${call}(…) opens a file by this path`);
    }
    if (method && /^(sendFile|download|sendfile)$/.test(method) && isRes(resRoot)) {
      // res.sendFile(name, { root }) confines to root (send() refuses ../ outside it)
      const opts = e.arguments[1] ? skipOuter(e.arguments[1]) : undefined;
      const rooted = opts && ts.isObjectLiteralExpression(opts) && opts.properties.some((p) => p.name?.getText(this.sf) === 'root');
      if (!rooted) this.sink('js/path-traversal', a0, e, `${this.text(e.expression, 60)}(…) serves a file by this path`);
    }

    // ---- SSRF
    const ssrf = /^(fetch|node-fetch|axios|axios\.(get|post|put|delete|patch|head|options|request)|got|got\.(get|post|put|delete|patch|head|stream)|request|request\.(get|post|put|delete|patch|head)|superagent\.(get|post|put|delete|patch|head)|needle|needle\.(get|post|put|delete|head|request)|undici\.(request|fetch|stream)|http\.(get|request)|https\.(get|request))$/.test(n);
    if (ssrf) {
      const arg0 = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      const t = arg0 && ts.isObjectLiteralExpression(arg0) ? this.objectProp(arg0, ['url', 'host', 'hostname', 'baseURL'], scope) : a0;
      this.sink('js/ssrf', t, e, `${call}(…) sends a request to this URL`);
    }

    // ---- XSS
    if (method && /^(send|write|end)$/.test(method) && isRes(resRoot)) {
      // res.send(req.body) or res.send({…}) is sent as JSON
      const arg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      const container = arg && (ts.isObjectLiteralExpression(arg) || ts.isArrayLiteralExpression(arg) || ((ts.isPropertyAccessExpression(arg)) && this.isRequest(arg.expression, scope) && /^(body|query|params|headers|cookies)$/.test(arg.name.text)));
      // Fastify's reply.send(string) and hapi's h.response() are text/plain unless told otherwise
      const plainByDefault = /^(reply|h)$/.test(resRoot) && !html;
      if (!nonHtml && !container && !plainByDefault && !this.nonHtmlResponse(e, resRoot)) this.sink('js/xss', a0, e, `${this.text(e.expression, 60)}(…) writes an HTML response`);
    }
    if (/^document\.(write|writeln)$/.test(n)) this.sink('js/xss', all, e, `${call}(…) writes HTML into the page`);
    if (method === 'insertAdjacentHTML') this.sink('js/xss', args[1] ?? null, e, `${call}(…) inserts HTML`);
    if (method && /^(html|append|prepend|after|before|replaceWith)$/.test(method) && /^(\$|jQuery)\(/.test(recvText)) this.sink('js/xss', a0, e, `${call}(…) inserts HTML (jQuery)`);

    // ---- open redirect
    if ((method === 'redirect' && (/^(res|response|reply|ctx|resp|h)$/.test(resRoot) || isRes(resRoot))) || (method === 'location' && isRes(resRoot))) {
      // Express redirect([status,] url), Fastify 5 redirect(url[, status]): the status is a number, never tainted
      const t = args.reduce<Taint | null>((a, b) => this.union(a, b), null);
      this.sink('js/open-redirect', t, e, `${this.text(e.expression, 60)}(…) redirects the browser`);
    }
    if (method === 'writeHead' && isRes(resRoot)) {
      const h = e.arguments.map((x) => skipOuter(x)).find(ts.isObjectLiteralExpression);
      const loc = h?.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && /^location$/i.test(p.name.getText(this.sf).replace(/['"]/g, '')));
      if (loc) this.sink('js/open-redirect', this.eval(loc.initializer, scope), e, `${this.text(e.expression, 60)}(…, { Location }) redirects the browser`);
    }
    if (method && /^(setHeader|set|header)$/.test(method) && isRes(resRoot)) {
      const h = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      if (h && ts.isStringLiteralLike(h) && /^location$/i.test(h.text)) this.sink('js/open-redirect', args[1] ?? null, e, `${this.text(e.expression, 60)}('Location', …) redirects the browser`);
    }
    if (method && /^(push|replace)$/.test(method) && recvNode && ts.isIdentifier(recvNode) && scope.lookup(recvNode.text)?.nav) this.sink('js/open-redirect', a0, e, `${call}(…) navigates the browser`);
    if (/^location\.(assign|replace)$/.test(n) || n === 'open') this.sink('js/open-redirect', a0, e, `${call}(…) navigates the browser`);

    // ---- log injection: strings built from user input
    // pino (Fastify's request.log too) writes JSON lines: a newline in a message is escaped
    const pinoLike = /^(request|req|fastify|app|server|reply)\.log$/.test(recvText) || (!!recvNode && ts.isIdentifier(recvNode) && scope.lookup(recvNode.text)?.mod === 'pino()');
    if (method && /^(log|info|warn|error|debug|trace|fatal|verbose)$/.test(method) && (LOGGER_RECEIVER.test(recvText) || /(^|\.)\w*(log|logger)$/i.test(recvText) || (!!recvNode && ts.isIdentifier(recvNode) && scope.lookup(recvNode.text)?.mod === 'logger()')) && !pinoLike) {
      e.arguments.forEach((arg, i) => {
        const t = args[i];
        const x = skipOuter(arg);
        // an object is a structured field (pino/winston serialize it as JSON, console escapes it)
        if (ts.isObjectLiteralExpression(x) || ts.isArrayLiteralExpression(x)) return;
        const built = ts.isTemplateExpression(x) || (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) || (t?.built ?? false);
        // console prints string arguments as they are (objects through util.inspect, which escapes)
        const container = (ts.isPropertyAccessExpression(x) && this.isRequest(x.expression, scope) && /^(body|query|params|headers|cookies)$/.test(x.name.text)) || (ts.isIdentifier(x) && !!scope.lookup(x.text)?.request);
        if (built || (recvText === 'console' && !container)) this.sink('js/log-injection', t, e, `${call}(…) writes a log line`);
      });
    }

    // ---- non-taint: crypto, TLS, credentials in calls
    if (/^crypto\.(createHash|createHmac)$/.test(n) || (method === 'createHash' && recvText === 'crypto')) {
      const alg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      const WEAK = /^(md5|md4|sha1|sha-1|md5-sha1|ripemd160|rmd160)$/i;
      if (alg && ts.isStringLiteralLike(alg) && WEAK.test(alg.text) && n.endsWith('createHash')) {
        const q = alg.getText(this.sf)[0];
        this.report('js/weak-hash', e, [], { title: `Weak hash algorithm (${alg.text.toUpperCase()})`, fix: this.fixReplacing(e, alg, `${q}sha256${q}`, 'use SHA-256') });
      }
      // const ALGORITHM = 'md5'; createHash(ALGORITHM): the fix belongs at the constant, not here
      const named = alg && ts.isIdentifier(alg) ? scope.lookup(alg.text)?.str : undefined;
      if (named !== undefined && WEAK.test(named) && n.endsWith('createHash')) this.report('js/weak-hash', e, [], { title: `Weak hash algorithm (${named.toUpperCase()}, through ${alg!.getText(this.sf)})` });
    }
    // Web Crypto: crypto.subtle.digest('SHA-1', data)
    if (method === 'digest' && /(^|\.)subtle$/.test(recvText)) {
      const alg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      if (alg && ts.isStringLiteralLike(alg) && /^sha-?1$/i.test(alg.text)) {
        const q = alg.getText(this.sf)[0];
        this.report('js/weak-hash', e, [], { title: 'Weak hash algorithm (SHA-1)', fix: this.fixReplacing(e, alg, `${q}SHA-256${q}`, 'use SHA-256') });
      }
    }
    if (/^(md5|sha1|js-md5|md5-hex|crypto-js\.(MD5|SHA1|HmacMD5)|crypto-js\/(md5|sha1))$/.test(n)) {
      this.report('js/weak-hash', e, [], { title: `Weak hash algorithm (${n.replace(/^.*[./]/, '').toUpperCase()})` });
    }
    if (/^crypto-js\.(DES|TripleDES|RC4|RC4Drop|Rabbit)\.(encrypt|decrypt)$/.test(n)) this.report('js/weak-cipher', e, [], { title: `Weak cipher (${n.split('.')[1]})` });
    if (/^crypto\.(createCipheriv|createDecipheriv)$/.test(n)) {
      const alg = e.arguments[0] ? skipOuter(e.arguments[0]) : undefined;
      if (alg && ts.isStringLiteralLike(alg) && (/^(des|des3|des-ede|des-ede3|rc4|rc2|bf|blowfish|cast|cast5|idea|seed)(-|$)/i.test(alg.text) || /-ecb$/i.test(alg.text))) {
        this.report('js/weak-cipher', e, [], { title: `Weak cipher or mode (${alg.text})` });
      }
    }
    if (/^crypto\.(createCipher|createDecipher)$/.test(n)) this.report('js/weak-cipher', e, [], { title: `${n} derives the key with MD5 and no salt, and has no IV (deprecated, removed in Node 22)` });
    if (/^(jsonwebtoken|jwt)\.(sign|verify)$/.test(n)) {
      const key = e.arguments[1] ? skipOuter(e.arguments[1]) : undefined;
      if (key && ts.isStringLiteralLike(key) && !PLACEHOLDER.test(key.text) && key.text.length >= 4) this.report('js/hardcoded-credentials', e, [], { title: 'Hardcoded JWT signing key' });
    }
  }

  /** Whether the function around `node` sets a non-HTML Content-Type on `res` (`res.setHeader('Content-Type', 'text/event-stream')`, `res.type('json')`, `writeHead(200, {…})`). */
  private nonHtmlResponse(node: ts.Node, res: string): boolean {
    let fn: ts.Node | undefined = node.parent;
    while (fn && !ts.isFunctionLike(fn) && !ts.isSourceFile(fn)) fn = fn.parent;
    if (!fn) return false;
    let cached = this.contentTypes.get(fn);
    if (!cached) {
      const found = new Set<string>();
      const visit = (n: ts.Node): void => {
        if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && ts.isIdentifier(n.expression.expression)) {
          const m = n.expression.name.text;
          const [a, b] = n.arguments.map((x) => skipOuter(x));
          const nonHtmlText = (x: ts.Expression | undefined) => !!x && ts.isStringLiteralLike(x) && !/html|xml|svg/i.test(x.text);
          if ((m === 'type' || m === 'contentType') && nonHtmlText(a)) found.add(n.expression.expression.text);
          if (/^(set|header|setHeader)$/.test(m) && a && ts.isStringLiteralLike(a) && /^content-type$/i.test(a.text) && nonHtmlText(b)) found.add(n.expression.expression.text);
          if (m === 'writeHead' && b && ts.isObjectLiteralExpression(b)) {
            for (const p of b.properties) if (ts.isPropertyAssignment(p) && /^content-type$/i.test(p.name.getText(this.sf).replace(/['"]/g, '')) && nonHtmlText(skipOuter(p.initializer))) found.add(n.expression.expression.text);
          }
        }
        ts.forEachChild(n, visit);
      };
      ts.forEachChild(fn, visit);
      cached = found;
      this.contentTypes.set(fn, cached);
    }
    return cached.has(res);
  }

  private objectProp(o: ts.ObjectLiteralExpression, names: string[], scope: Scope): Taint | null {
    let t: Taint | null = null;
    for (const p of o.properties) {
      const pn = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteralLike(p.name)) ? p.name.text : undefined;
      if (ts.isSpreadAssignment(p)) t = this.union(t, this.eval(p.expression, scope));
      else if (pn && names.includes(pn)) {
        if (ts.isPropertyAssignment(p)) t = this.union(t, this.eval(p.initializer, scope));
        if (ts.isShorthandPropertyAssignment(p)) t = this.union(t, this.evalIdentifier(p.name, scope));
      }
    }
    return t;
  }

  // ---------------------------------------------------------------- JSX

  private walkJsx(e: ts.JsxElement | ts.JsxSelfClosingElement | ts.JsxFragment, scope: Scope): void {
    const attrs = ts.isJsxElement(e) ? e.openingElement.attributes : ts.isJsxSelfClosingElement(e) ? e.attributes : undefined;
    for (const a of attrs?.properties ?? []) {
      if (ts.isJsxAttribute(a) && a.initializer && ts.isJsxExpression(a.initializer) && a.initializer.expression) {
        const x = skipOuter(a.initializer.expression);
        if (a.name.getText(this.sf) === 'dangerouslySetInnerHTML') {
          const t = ts.isObjectLiteralExpression(x) ? this.objectProp(x, ['__html'], scope) : this.eval(x, scope);
          this.sink('js/xss', t, a, 'dangerouslySetInnerHTML={{ __html: … }}');
        } else if (a.name.getText(this.sf) === 'href') {
          const t = this.eval(x, scope);
          // <a href={userValue}>: javascript: URLs run script — only when the value itself is the URL
          // (a variable, a property, params.get('x')), not a URL a helper builds from a fixed path
          const whole = ts.isIdentifier(x) || ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x)
            || (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression) && !!this.eval(x.expression.expression, scope));
          if (t && whole && !t.safe.has('CWE-601')) this.sink('js/xss', t, a, 'href={…} accepts javascript: URLs');
        } else this.eval(x, scope);
      } else if (ts.isJsxSpreadAttribute(a)) this.eval(a.expression, scope);
    }
    const children = ts.isJsxElement(e) || ts.isJsxFragment(e) ? e.children : [];
    for (const c of children) {
      if (ts.isJsxExpression(c) && c.expression) this.eval(c.expression, scope);
      else if (ts.isJsxElement(c) || ts.isJsxSelfClosingElement(c) || ts.isJsxFragment(c)) this.walkJsx(c, scope);
    }
  }

  // ---------------------------------------------------------------- non-taint property rules

  /** `rejectUnauthorized: false`, `strictSSL: false`, and credentials in object properties. */
  private checkPropertyFlags(name: string, value: ts.Expression, node: ts.Node): void {
    const v = skipOuter(value);
    if (name === 'checkServerIdentity' && (ts.isArrowFunction(v) || ts.isFunctionExpression(v))) {
      const body = v.body;
      const noop = ts.isBlock(body) ? body.statements.every((st) => ts.isReturnStatement(st) && (!st.expression || /^(undefined|null|void 0)$/.test(st.expression.getText(this.sf)))) : /^(undefined|null|void 0)$/.test(body.getText(this.sf));
      if (noop) this.report('js/tls-verification-disabled', node, [], { title: 'TLS host name verification disabled (checkServerIdentity accepts every certificate)' });
    }
    if (/^authorization$/i.test(name) && ts.isStringLiteralLike(v) && /^(Bearer|Basic|token)\s+[A-Za-z0-9._~+\/=-]{12,}$/.test(v.text) && !PLACEHOLDER.test(v.text.split(/\s+/)[1]) && !/example|test|dummy|your|xxx/i.test(v.text) && !TEST_PATH.test(this.file.path)) {
      this.report('js/hardcoded-credentials', node, [], { title: 'Hardcoded credential in an Authorization header' });
    }
    if ((name === 'rejectUnauthorized' || name === 'strictSSL') && v.kind === ts.SyntaxKind.FalseKeyword) {
      this.report('js/tls-verification-disabled', node, [], { title: `TLS certificate verification disabled (${name}: false)`, fix: this.fixReplacing(node, v, 'true', `set ${name} to true`) });
    }
    this.checkCredential(name, value, node);
  }

  private checkCredential(name: string, value: ts.Expression, node: ts.Node): void {
    const v = skipOuter(value);
    if (!ts.isStringLiteralLike(v)) return;
    const words = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
    if (!CREDENTIAL_NAME.test(words) || NOT_CREDENTIAL_NAME.test(words)) return;
    const s = v.text;
    if (s.length < 4 || /\s/.test(s) || PLACEHOLDER.test(s) || /dummy|fake|mock|sample|example|changeme|placeholder|redacted|your[-_]|(^|[-_])test([-_]|$)|[-_]here$/i.test(s) || TEST_PATH.test(this.file.path) || s.toLowerCase() === name.toLowerCase() || /^(.)\1+$/.test(s)) return;
    // an environment variable's name (`apiKey: 'API_KEY'`), a path or a URL is not the secret
    if (/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(s) || /^[A-Z]{2,12}$/.test(s) || /^(\/|\.\/|https?:\/\/[^@]*$)/.test(s)) return;
    this.report('js/hardcoded-credentials', node, [], { title: `Hardcoded credential in ${name}` });
  }
}

// ---------------------------------------------------------------- helpers

/** const utils = { run(c) { … }, clean: (x) => … }: its functions by name */
function objectMethods(o: ts.ObjectLiteralExpression): Map<string, FnNode> | undefined {
  const methods = new Map<string, FnNode>();
  for (const p of o.properties) {
    if (ts.isMethodDeclaration(p) && p.body && ts.isIdentifier(p.name)) methods.set(p.name.text, p);
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) {
      const v = skipOuter(p.initializer);
      if (ts.isArrowFunction(v) || ts.isFunctionExpression(v)) methods.set(p.name.text, v);
    }
  }
  return methods.size ? methods : undefined;
}

function skipOuter(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e) || ts.isSatisfiesExpression(e) || ts.isAwaitExpression(e)) e = e.expression;
  return e;
}

function isConstant(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return ts.isStringLiteralLike(x) || ts.isNumericLiteral(x);
}

/** An expression a guard can speak about: a variable, a property path, or a call chain on one (`url.split('.').pop()`). */
function isTrackable(e: ts.Expression): boolean {
  const x = skipOuter(e);
  if (ts.isIdentifier(x)) return true;
  if (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x)) return !!rootIdentifier(x);
  if (ts.isCallExpression(x) && ts.isPropertyAccessExpression(x.expression)) return x.arguments.every((a) => isConstant(a) || ts.isPrefixUnaryExpression(a)) && isTrackable(x.expression.expression);
  return false;
}

/** Whether an allow-list is itself user data (`req.query.list.includes(x)` proves nothing). */
function isTrackableTainted(e: ts.Expression, scope: Scope): boolean {
  const x = skipOuter(e);
  return ts.isIdentifier(x) && !!scope.lookup(x.text)?.taint;
}

function rootIdentifier(e: ts.Expression): ts.Identifier | undefined {
  let x = skipOuter(e);
  while (ts.isPropertyAccessExpression(x) || ts.isElementAccessExpression(x) || ts.isCallExpression(x)) x = skipOuter(x.expression);
  return ts.isIdentifier(x) ? x : undefined;
}

/** `req.query` in `req.query.name.trim()` → `req.query.name`: the whole property path, for labels. */
function outermostAccess(e: ts.Expression): ts.Expression {
  let x: ts.Expression = e;
  while ((ts.isPropertyAccessExpression(x.parent) || ts.isElementAccessExpression(x.parent)) && x.parent.expression === x && !(ts.isCallExpression(x.parent.parent) && x.parent.parent.expression === x.parent)) x = x.parent;
  return x;
}

/** The operands of a + b + c, left to right, without recursion on the left spine. */
function flattenPlus(e: ts.Expression): ts.Expression[] {
  const rights: ts.Expression[] = [];
  let x = skipOuter(e);
  while (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    rights.push(x.right);
    x = skipOuter(x.left);
  }
  return [x, ...rights.reverse()];
}

/** req.url, req.originalUrl, req.path: a request target, which starts with "/" (origin form). */
function isRequestPath(e: ts.Expression): boolean {
  const x = skipOuter(e);
  return ts.isPropertyAccessExpression(x) && /^(url|originalUrl|path)$/.test(x.name.text) && ts.isIdentifier(x.expression) && /^(req|request)$/.test(x.expression.text);
}

/** The string literal a concatenation starts with, if any. */
function leftmostString(e: ts.Expression): string | undefined {
  let x = skipOuter(e);
  while (ts.isBinaryExpression(x) && x.operatorToken.kind === ts.SyntaxKind.PlusToken) x = skipOuter(x.left);
  if (ts.isStringLiteralLike(x)) return x.text;
  if (ts.isTemplateExpression(x)) return x.head.text;
  return undefined;
}

/** A URL prefix that fixes the origin: "https://host/…" or a path "/x" (not "//host"). */
function fixedOrigin(prefix: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#]+[/?#]/i.test(prefix) || /^\/[^/\\]/.test(prefix);
}

export function scriptKind(path: string): ts.ScriptKind {
  const ext = path.toLowerCase().replace(/^.*\./, '');
  switch (ext) {
    case 'ts': case 'mts': case 'cts': return ts.ScriptKind.TS;
    case 'tsx': return ts.ScriptKind.TSX;
    case 'jsx': return ts.ScriptKind.JSX;
    default: return ts.ScriptKind.JS;
  }
}

/** Parses one file; the parser recovers from syntax errors, which are returned beside the tree. */
export function parse(path: string, text: string): { sf: ts.SourceFile; errors: string[] } {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const diags = (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  const errors = diags.slice(0, 3).map((d) => {
    const lc = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start) : undefined;
    return `${lc ? `${lc.line + 1}:${lc.character + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  return { sf, errors };
}
