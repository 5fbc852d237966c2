/**
 * Taint analysis of one Python file: sources (web request data, route/view/Lambda parameters, the
 * environment, file contents, input(), sys.argv) flow through assignments, string building,
 * containers, returns and calls to functions of the same file, to sinks. Statements are walked in
 * order; a branch's assignments are kept after the branch (may-taint), loops are walked twice.
 * Sanitizers are kind-specific (basename clears path traversal only); int()/float() clear all.
 */
import type { CodeFinding, TraceStep } from '../../../model/code.ts';
import type { Severity } from '../../../model/scan.ts';
import type { Node } from './parser.ts';
import { callArgs, collectImports, descendants, importedRoots, literalString, params, unwrapDecorated } from './names.ts';

const literalStringOf = (n: Node | undefined): string | undefined => (n ? literalString(n) : undefined);
import { RULES, type RuleKey } from './rules.ts';

/** What a sanitizer makes a value safe for. */
type Kind = 'command' | 'sql' | 'code' | 'path' | 'ssrf' | 'deser' | 'xss' | 'redirect' | 'log';
/** sinks where only a remote caller's data counts as an attack (not the environment, files or argv) */
const REMOTE_ONLY = new Set<Kind>(['path', 'ssrf', 'xss', 'redirect', 'log']);
const ALL_KINDS: Kind[] = ['command', 'sql', 'code', 'path', 'ssrf', 'deser', 'xss', 'redirect', 'log'];

interface Taint {
  trace: TraceStep[];
  sanitized: ReadonlySet<Kind>;
  /** the host (or a relative path) is a constant prefix: the input picks only a path or query */
  hostFixed?: boolean;
  /** passed through os.path.realpath/abspath/normpath: a startswith check then confines it */
  normalized?: boolean;
  /** from the machine itself (environment, files, input(), sys.argv) rather than a remote caller */
  local?: boolean;
}

/** The abstract value of an expression. */
interface Val {
  taint?: Taint;
  /** qualified name of the call that made it: "requests.Session", "logging.getLogger", "pathlib.Path", "open" */
  origin?: string;
  /** a list/tuple (subprocess argument list), a dict/set (container) */
  shape?: 'list' | 'container';
  /** the constant string it holds, when known */
  str?: string;
}

const EMPTY: Val = {};
const LOWER: Partial<Record<Severity, Severity>> = { CRITICAL: 'HIGH', HIGH: 'MEDIUM', MEDIUM: 'LOW' };

export interface FileContext {
  path: string;
  text: string;
  lines: string[];
  layer?: import('../../../model/package.ts').LayerRef;
}

interface FnDef {
  node: Node;
  name: string;
  decorators: Node[];
  /** inside a class */
  method: boolean;
  /** the class it is a method of */
  cls?: string;
}

type Env = Map<string, Val>;

const MAX_DEPTH = 4;
const MAX_ANALYSES = 400;

const FLASK_REQUEST_ATTRS = new Set(['args', 'form', 'values', 'json', 'data', 'cookies', 'headers', 'files', 'get_json', 'get_data', 'stream', 'view_args', 'url', 'full_path', 'query_string', 'environ']);
const REQUEST_PARAM_ATTRS = new Set(['GET', 'POST', 'body', 'COOKIES', 'META', 'FILES', 'headers', 'data', 'query_params', 'path_params', 'cookies', 'json', 'form', 'args', 'values', 'get_json', 'query_string', 'stream',
  // aiohttp, Tornado
  'query', 'match_info', 'post', 'text', 'rel_url', 'content', 'arguments', 'body_arguments', 'query_arguments']);
/** Tornado RequestHandler methods that return request data */
const TORNADO_ARG_METHODS = new Set(['get_argument', 'get_arguments', 'get_query_argument', 'get_query_arguments', 'get_body_argument', 'get_body_arguments', 'get_cookie', 'get_secure_cookie']);
const ROUTE_DECORATORS = new Set(['route', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'api_route', 'websocket']);
const NON_INPUT_ANNOTATIONS = /^(Request|Response|BackgroundTasks|Session|AsyncSession|WebSocket|HTTPConnection|SecurityScopes)$/;
const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'stream', 'send']);
const LOG_METHODS = new Set(['debug', 'info', 'warning', 'warn', 'error', 'critical', 'exception', 'log', 'fatal']);
const NON_PROPAGATING_METHODS = new Set(['startswith', 'endswith', 'isdigit', 'isalnum', 'isalpha', 'isnumeric', 'isdecimal', 'isidentifier', 'count', 'find', 'rfind', 'index', 'rindex', 'exists', 'is_file', 'is_dir', '__len__']);
const MUTATORS = new Set(['append', 'extend', 'insert', 'add', 'update', 'setdefault', 'appendleft']);

/** Calls whose result carries the taint of their arguments (library code we know). */
const PROPAGATORS = new Set([
  'str', 'bytes', 'repr', 'format', 'list', 'tuple', 'dict', 'set', 'frozenset', 'sorted', 'reversed', 'iter', 'next', 'bytearray', 'memoryview', 'map', 'filter', 'zip', 'enumerate', 'min', 'max', 'getattr',
  'os.path.join', 'os.path.dirname', 'os.path.expanduser', 'os.path.expandvars', 'os.fspath', 'posixpath.join',
  'urllib.parse.unquote', 'urllib.parse.unquote_plus', 'urllib.parse.urljoin', 'urllib.parse.quote', 'urllib.parse.quote_plus', 'urllib.parse.urlencode', 'urllib.parse.urlunparse', 'urlparse.urljoin',
  'json.loads', 'json.load', 'base64.b64decode', 'base64.b64encode', 'base64.urlsafe_b64decode', 'base64.urlsafe_b64encode', 'base64.decodebytes', 'binascii.unhexlify', 'bytes.fromhex',
  'codecs.decode', 'zlib.decompress', 'gzip.decompress', 'html.unescape', 'shlex.split', 'textwrap.dedent', 'string.Template', 'copy.copy', 'copy.deepcopy', 'io.StringIO', 'io.BytesIO',
  'pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath',
]);
const NORMALIZERS = new Set(['os.path.realpath', 'os.path.abspath', 'os.path.normpath', 'posixpath.realpath', 'posixpath.abspath', 'posixpath.normpath']);
const KILLERS = new Set(['int', 'float', 'bool', 'len', 'abs', 'round', 'hash', 'id', 'type', 'isinstance', 'callable', 'uuid.UUID', 'ipaddress.ip_address', 'decimal.Decimal', 'datetime.date.fromisoformat', 'hashlib.sha256', 'hashlib.md5', 'hashlib.sha1']);
const SANITIZERS = new Map<string, Kind[]>([
  ['os.path.basename', ['path']], ['posixpath.basename', ['path']], ['werkzeug.utils.secure_filename', ['path']], ['werkzeug.secure_filename', ['path']],
  ['werkzeug.security.safe_join', ['path']], ['werkzeug.utils.safe_join', ['path']], ['flask.safe_join', ['path']], ['flask.helpers.safe_join', ['path']],
  ['shlex.quote', ['command']], ['pipes.quote', ['command']],
  ['html.escape', ['xss']], ['markupsafe.escape', ['xss']], ['flask.escape', ['xss']], ['jinja2.escape', ['xss']], ['cgi.escape', ['xss']], ['django.utils.html.escape', ['xss']], ['django.utils.html.conditional_escape', ['xss']], ['bleach.clean', ['xss']],
  ['json.dumps', ['log']],
]);

export class PythonTaint {
  private imports: Map<string, string>;
  private roots: Set<string>;
  /** functions by name (first definition wins) */
  private fns = new Map<string, FnDef>();
  /** methods by "Class.name" */
  private methods = new Map<string, FnDef>();
  private allFns: FnDef[] = [];
  private classes = new Set<string>();
  /** taint written to self.<attr> in any method of a class, read by its other methods: "Class.attr" */
  private classAttrs = new Map<string, Val>();
  private classStack: (string | undefined)[] = [];
  private loopNest = 0;
  private moduleEnv: Env = new Map();
  private findings = new Map<string, CodeFinding>();
  private memo = new Map<string, Val>();
  private inProgress = new Set<string>();
  private analyses = 0;
  /** return values of the function being analysed (a stack: one frame per nested analysis) */
  private returns: Val[][] = [];
  private routeStack: (FnDef | undefined)[] = [];

  constructor(private root: Node, private file: FileContext) {
    this.imports = collectImports(root);
    this.roots = importedRoots(this.imports);
    for (const n of descendants(root)) {
      if (n.type !== 'function_definition') continue;
      const parent = n.parent;
      const decorators = parent?.type === 'decorated_definition' ? unwrapDecorated(parent).decorators : [];
      const name = n.childForFieldName('name')?.text;
      if (!name) continue;
      let p = n.parent, method = false, cls: string | undefined;
      while (p) { if (p.type === 'class_definition') { method = true; cls = p.childForFieldName('name')?.text; break; } if (p.type === 'function_definition') break; p = p.parent; }
      const def: FnDef = { node: n, name, decorators, method, cls };
      this.allFns.push(def);
      if (!this.fns.has(name)) this.fns.set(name, def);
      if (cls && !this.methods.has(`${cls}.${name}`)) this.methods.set(`${cls}.${name}`, def);
    }
    for (const n of descendants(root)) if (n.type === 'class_definition') { const c = n.childForFieldName('name')?.text; if (c) this.classes.add(c); }
  }

  run(): CodeFinding[] {
    // the module's own statements first (its assignments are the globals functions read)
    this.returns.push([]);
    this.routeStack.push(undefined);
    this.block(this.root, this.moduleEnv, 0);
    this.routeStack.pop();
    this.returns.pop();
    for (let round = 0; round < 2; round++) {
      const attrs = this.classAttrs.size;
      for (const def of this.allFns) this.analyseFunction(def, this.entryParams(def), 0);
      // a second round when methods wrote tainted self.<attr> that other methods may read
      if (this.classAttrs.size === attrs || round === 1) break;
      this.memo.clear();
      this.analyses = 0;
    }
    return [...this.findings.values()];
  }

  // ---- functions -------------------------------------------------------------------------

  /** The web framework a file uses: a parameter named request is a web request only then. */
  private framework(): 'fastapi' | 'flask' | 'django' | 'web' | undefined {
    if (this.roots.has('fastapi') || this.roots.has('starlette')) return 'fastapi';
    if (this.roots.has('flask')) return 'flask';
    if (this.roots.has('django') || this.roots.has('rest_framework')) return 'django';
    if (['aiohttp', 'tornado', 'bottle', 'pyramid', 'falcon', 'sanic', 'quart', 'werkzeug'].some((r) => this.roots.has(r))) return 'web';
    return undefined;
  }

  private isRoute(def: FnDef): boolean {
    return def.decorators.some((d) => {
      const call = d.namedChildren.find((c) => c?.type === 'call');
      const fn = call?.childForFieldName('function');
      return fn?.type === 'attribute' && ROUTE_DECORATORS.has(fn.childForFieldName('attribute')?.text ?? '');
    });
  }

  /** The parameters that are sources when a function is an entry point (route, view, Lambda handler). */
  private entryParams(def: FnDef): Map<string, Val> {
    const out = new Map<string, Val>();
    const ps = params(def.node).filter((p) => p.name !== 'self' && p.name !== 'cls');
    const fw = this.framework();
    const at = (label: string): Val => ({ taint: { trace: [this.step('source', def.node.childForFieldName('name')!, label)], sanitized: new Set() } });
    if (this.isRoute(def)) {
      // Flask converters <int:id>, <float:x>, <uuid:u> deliver numbers and UUIDs, not text
      const typed = new Set<string>();
      for (const d of def.decorators) for (const m of d.text.matchAll(/<(int|float|uuid):(\w+)>/g)) typed.add(m[2]);
      for (const p of ps) {
        if (p.annotation && NON_INPUT_ANNOTATIONS.test(p.annotation.replace(/^.*\./, ''))) continue;
        // FastAPI validates typed parameters: numbers, booleans, UUIDs and dates carry no text
        if (p.annotation && /^(int|float|bool|UUID|datetime|date|time|Decimal|PositiveInt|NonNegativeInt|conint\(.*\))( \| None)?$|^Optional\[(int|float|bool|UUID)\]$/.test(p.annotation.replace(/\b\w+\./g, ''))) continue;
        if (typed.has(p.name)) continue;
        if (p.default?.type === 'call' && /Depends$/.test(p.default.childForFieldName('function')?.text ?? '')) continue;
        if (fw !== 'fastapi' && p.name === 'request') continue;
        out.set(p.name, at(`route parameter ${p.name} (${fw === 'fastapi' ? 'FastAPI' : 'Flask'} route ${def.name})`));
      }
      return out;
    }
    if (fw === 'django' && ps[0]?.name === 'request') {
      for (const p of ps.slice(1)) out.set(p.name, at(`URL parameter ${p.name} (Django view ${def.name})`));
      return out;
    }
    const names = ps.map((p) => p.name);
    // AWS Lambda: handler(event, context) by its parameters, or a function named handler/lambda_handler
    const lambdaParams = /^_?(event|evt)$/.test(names[0] ?? '') && (names.length === 1 || (names.length === 2 && /^_?(context|ctx)$/.test(names[1])));
    const lambdaName = (def.name === 'handler' || def.name === 'lambda_handler') && names.length === 2 && /context|ctx/.test(names[1]);
    if (lambdaParams && (names.length === 2 || def.name === 'handler' || def.name === 'lambda_handler') || lambdaName) {
      out.set(names[0], at(`${names[0]} (AWS Lambda event of ${def.name})`));
    }
    return out;
  }

  private analyseFunction(def: FnDef, args: Map<string, Val>, depth: number): Val {
    const key = `${def.node.startIndex}:${[...args.entries()].filter(([, v]) => v.taint).map(([k, v]) => `${k}=${[...v.taint!.sanitized].join('+')}${v.taint!.hostFixed ? 'H' : ''}${v.taint!.normalized ? 'N' : ''}`).join(',')}`;
    const cached = this.memo.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key) || depth > MAX_DEPTH || this.analyses >= MAX_ANALYSES) return EMPTY;
    this.analyses++;
    this.inProgress.add(key);
    const env: Env = new Map();
    for (const p of params(def.node)) env.set(p.name, args.get(p.name) ?? EMPTY);
    this.returns.push([]);
    this.routeStack.push(this.isRoute(def) && this.framework() === 'flask' ? def : undefined);
    this.classStack.push(def.cls);
    const body = def.node.childForFieldName('body');
    if (body) this.block(body, env, depth);
    this.classStack.pop();
    this.routeStack.pop();
    const rets = this.returns.pop()!;
    this.inProgress.delete(key);
    const result = union(rets);
    this.memo.set(key, result);
    return result;
  }

  // ---- statements ------------------------------------------------------------------------

  private block(n: Node, env: Env, depth: number): void {
    for (const s of n.namedChildren) if (s) this.statement(s, env, depth);
  }

  private statement(s: Node, env: Env, depth: number): void {
    switch (s.type) {
      case 'function_definition': case 'class_definition': case 'decorated_definition':
        if (s.type === 'class_definition') { const b = s.childForFieldName('body'); if (b && env === this.moduleEnv) this.block(b, new Map(), depth); }
        return;
      case 'comment': case 'pass_statement': case 'break_statement': case 'continue_statement': case 'import_statement': case 'import_from_statement': case 'global_statement': case 'nonlocal_statement':
        return;
      case 'expression_statement':
        for (const c of s.namedChildren) if (c) this.expr(c, env, depth);
        return;
      case 'return_statement': {
        const v = s.namedChildren[0];
        const val = v ? this.expr(v, env, depth) : EMPTY;
        this.returns[this.returns.length - 1]?.push(val);
        const route = this.routeStack[this.routeStack.length - 1];
        if (route && v) {
          // Flask sends a returned string as text/html: tainted HTML is XSS (dicts become JSON)
          const body = v.type === 'expression_list' || v.type === 'tuple' ? v.namedChildren[0] : v;
          if (body) {
            const bv = v === body ? val : this.expr(body, env, depth);
            if (bv.taint && !bv.taint.local && !bv.taint.sanitized.has('xss') && bv.shape !== 'container' && bv.shape !== 'list') this.report('xss', 'xss', bv, body, `returned as the response body of Flask route ${route.name}`);
          }
        }
        return;
      }
      case 'if_statement': {
        const cond = s.childForFieldName('condition');
        if (cond) { this.expr(cond, env, depth); this.guard(cond, env); }
        const cons = s.childForFieldName('consequence');
        if (cons) this.block(cons, env, depth);
        for (const alt of s.childrenForFieldName('alternative')) {
          if (!alt) continue;
          const c = alt.childForFieldName('condition');
          if (c) { this.expr(c, env, depth); this.guard(c, env); }
          const b = alt.childForFieldName('consequence') ?? alt.childForFieldName('body');
          if (b) this.block(b, env, depth);
        }
        return;
      }
      case 'for_statement': {
        const right = s.childForFieldName('right');
        const it = right ? this.expr(right, env, depth) : EMPTY;
        const left = s.childForFieldName('left');
        const body = s.childForFieldName('body');
        // twice for what one iteration hands the next, in the outermost loop only (nested loops
        // would otherwise cost 2^depth walks)
        this.loopNest++;
        for (let i = 0; i < (this.loopNest === 1 ? 2 : 1); i++) {
          if (left) this.bind(left, { taint: it.taint }, env, right ?? undefined);
          if (body) this.block(body, env, depth);
        }
        this.loopNest--;
        const alt = s.childForFieldName('alternative');
        if (alt) this.block(alt, env, depth);
        return;
      }
      case 'while_statement': {
        const cond = s.childForFieldName('condition');
        const body = s.childForFieldName('body');
        this.loopNest++;
        for (let i = 0; i < (this.loopNest === 1 ? 2 : 1); i++) {
          if (cond) this.expr(cond, env, depth);
          if (body) this.block(body, env, depth);
        }
        this.loopNest--;
        return;
      }
      case 'with_statement': {
        for (const clause of s.namedChildren) {
          if (clause?.type !== 'with_clause') continue;
          for (const item of clause.namedChildren) {
            const v = item?.childForFieldName('value');
            if (!v) continue;
            if (v.type === 'as_pattern') {
              const value = v.namedChildren[0];
              const target = v.childForFieldName('alias')?.namedChildren[0];
              const val = value ? this.expr(value, env, depth) : EMPTY;
              if (target) this.bind(target, val, env, value ?? undefined);
            } else this.expr(v, env, depth);
          }
        }
        const body = s.childForFieldName('body');
        if (body) this.block(body, env, depth);
        return;
      }
      default:
        // try/except/finally, match, block, else/except clauses, delete, raise, assert…: walk what they hold
        for (const c of s.namedChildren) {
          if (!c) continue;
          if (c.type === 'block' || /_clause$/.test(c.type) || c.type === 'case_clause') this.statement(c, env, depth);
          else if (/_statement$|definition$/.test(c.type)) this.statement(c, env, depth);
          else this.expr(c, env, depth);
        }
    }
  }

  /** Conditions that confine a value: `real.startswith(BASE)` after realpath, allow-lists, URL checks. */
  private guard(cond: Node, env: Env): void {
    // relative-only redirects: x.startswith("/") and not x.startswith("//"); urlparse(x).netloc checks
    const prefixes = new Map<string, Set<string>>();
    for (const n of descendants(cond)) {
      if (n.type !== 'call') continue;
      const fn = n.childForFieldName('function');
      const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
      if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'startswith' && obj?.type === 'identifier') {
        const lit = literalString(callArgs(n).positional[0]);
        if (lit !== undefined) prefixes.set(obj.text, (prefixes.get(obj.text) ?? new Set()).add(lit));
      }
      if (/(^|\.)(urlparse|urlsplit)$/.test(this.qname(fn, env) ?? '') && n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.text === 'netloc') {
        const a = callArgs(n).positional[0];
        if (a?.type === 'identifier') this.sanitizeVar(a.text, env, ['redirect'], false);
      }
    }
    for (const [name, set] of prefixes) if (set.has('/') && (set.has('//') || set.has('/\\'))) this.sanitizeVar(name, env, ['redirect'], false);
    for (const n of descendants(cond)) {
      if (n.type === 'call') {
        const fn = n.childForFieldName('function');
        const { positional } = callArgs(n);
        if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'startswith') {
          const obj = fn.childForFieldName('object');
          if (obj?.type === 'identifier') this.sanitizeVar(obj.text, env, ['path'], true);
          // os.path.realpath(p).startswith(BASE): p is confined when it is what gets opened afterwards
          if (obj?.type === 'call' && NORMALIZERS.has(this.qname(obj.childForFieldName('function'), env) ?? '')) {
            const inner = callArgs(obj).positional[0];
            if (inner?.type === 'identifier') this.sanitizeVar(inner.text, env, ['path'], false);
          }
        }
        const q = this.qname(fn);
        if (q && /(^|\.)(url_has_allowed_host_and_scheme|is_safe_url)$/.test(q) && positional[0]?.type === 'identifier') this.sanitizeVar(positional[0].text, env, ['redirect'], false);
        if (q === 'os.path.commonpath' || q === 'os.path.commonprefix') {
          for (const id of descendants(n)) if (id.type === 'identifier') this.sanitizeVar(id.text, env, ['path'], true);
        }
      }
      if (n.type === 'comparison_operator') {
        const ops = n.children.filter((c) => c && !c.isNamed).map((c) => c!.text);
        const left = n.namedChildren[0];
        const right = n.namedChildren[1];
        // an allow-list check (`x in ALLOWED`): the collection must not come from the input itself
        if (ops.some((o) => o === 'in' || /^not\s+in$/.test(o)) && left?.type === 'identifier' && right && !this.exprNoReport(right, env).taint) this.sanitizeVar(left.text, env, ALL_KINDS, false);
      }
    }
  }

  private sanitizeVar(name: string, env: Env, kinds: Kind[], needNormalized: boolean): void {
    const v = env.get(name) ?? this.moduleEnv.get(name);
    if (!v?.taint) return;
    if (needNormalized && !v.taint.normalized) return;
    env.set(name, { ...v, taint: { ...v.taint, sanitized: new Set([...v.taint.sanitized, ...kinds]) } });
  }

  private bind(target: Node, val: Val, env: Env, valueNode?: Node): void {
    switch (target.type) {
      case 'identifier':
        env.set(target.text, val);
        return;
      case 'pattern_list': case 'tuple_pattern': case 'list_pattern': case 'tuple': case 'list': case 'expression_list': {
        const items = target.namedChildren.filter((c): c is Node => !!c);
        const vals = valueNode && (valueNode.type === 'tuple' || valueNode.type === 'list' || valueNode.type === 'expression_list') ? valueNode.namedChildren : undefined;
        items.forEach((t, i) => {
          if (vals && vals.length === items.length && vals[i]) this.bind(t, this.exprNoReport(vals[i]!, env), env, vals[i]!);
          else this.bind(t, { taint: val.taint }, env);
        });
        return;
      }
      case 'list_splat_pattern': case 'as_pattern_target':
        if (target.namedChildren[0]) this.bind(target.namedChildren[0], val, env);
        return;
      case 'attribute': {
        env.set(target.text, val);
        const cls = this.classStack[this.classStack.length - 1];
        if (cls && val.taint && target.childForFieldName('object')?.text === 'self') this.classAttrs.set(`${cls}.${target.childForFieldName('attribute')?.text}`, val);
        return;
      }
      case 'subscript': {
        // d["k"] = tainted taints d
        const obj = target.childForFieldName('value');
        if (obj && val.taint) {
          const key = obj.type === 'identifier' || obj.type === 'attribute' ? obj.text : undefined;
          if (key) { const old = env.get(key) ?? this.moduleEnv.get(key) ?? EMPTY; env.set(key, { ...old, taint: val.taint }); }
        }
        return;
      }
      default:
        return;
    }
  }

  /** The value of an expression already walked (a tuple's item during unpacking): no second report. */
  private exprNoReport(n: Node, env: Env): Val {
    const saved = this.muted;
    this.muted = true;
    try { return this.expr(n, env, MAX_DEPTH + 1); } finally { this.muted = saved; }
  }
  private muted = false;

  // ---- expressions -----------------------------------------------------------------------

  private lookup(name: string, env: Env): Val | undefined {
    return env.get(name) ?? this.moduleEnv.get(name);
  }

  /** Qualified name of a callee or attribute chain, through imports and known object origins. */
  qname(n: Node | null | undefined, env?: Env): string | undefined {
    if (!n) return undefined;
    if (n.type === 'identifier') {
      const v = env ? this.lookup(n.text, env) : undefined;
      if (v?.origin) return v.origin;
      // a local (a parameter named request) hides the module's import of the same name
      if (env && env !== this.moduleEnv && env.has(n.text)) return n.text;
      return this.imports.get(n.text) ?? n.text;
    }
    if (n.type === 'attribute') {
      const obj = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute')?.text;
      if (obj?.type === 'call') {
        const base = this.qname(obj.childForFieldName('function'), env);
        return base && attr ? `${base}.${attr}` : undefined;
      }
      const base = this.qname(obj, env);
      return base && attr ? `${base}.${attr}` : undefined;
    }
    return undefined;
  }

  private expr(n: Node, env: Env, depth: number): Val {
    switch (n.type) {
      case 'identifier': {
        const v = this.lookup(n.text, env);
        return v ?? EMPTY;
      }
      case 'string': {
        const parts = n.namedChildren.filter((c): c is Node => c?.type === 'interpolation');
        if (!parts.length) return { str: literalString(n) };
        const vals = parts.map((p) => this.expr(p.childForFieldName('expression') ?? p, env, depth));
        const u = union(vals);
        if (!u.taint) return EMPTY;
        return { taint: this.extend(u.taint, n, 'formatted into an f-string', hostFixedPrefix(this.constPrefix(n, env))) };
      }
      case 'concatenated_string': {
        const u = union(n.namedChildren.map((c) => (c ? this.expr(c, env, depth) : EMPTY)));
        return u.taint ? { taint: this.extend(u.taint, n, 'concatenated into a string', hostFixedPrefix(this.constPrefix(n, env))) } : { str: literalString(n) };
      }
      case 'integer': case 'float': case 'true': case 'false': case 'none': case 'comment': case 'lambda': case 'ellipsis':
        return EMPTY;
      case 'comparison_operator': case 'not_operator':
        for (const c of n.namedChildren) if (c) this.expr(c, env, depth);
        return EMPTY;
      case 'attribute': return this.attribute(n, env, depth);
      case 'subscript': {
        const value = n.childForFieldName('value');
        for (const s of n.childrenForFieldName('subscript')) if (s) this.expr(s, env, depth);
        if (!value) return EMPTY;
        const q = this.qname(value, env);
        if (q === 'sys.argv') return this.source(n, 'sys.argv (command line)', true);
        const v = this.expr(value, env, depth);
        return v.taint ? { taint: v.taint, origin: v.origin } : EMPTY;
      }
      case 'call': return this.call(n, env, depth);
      case 'binary_operator': {
        // a + b + c + … nests to the left: walk that spine without recursion (generated code has long ones)
        const spine: Node[] = [];
        let leftmost: Node | null = n;
        while (leftmost?.type === 'binary_operator') { spine.push(leftmost); leftmost = leftmost.childForFieldName('left'); }
        let acc = leftmost ? this.expr(leftmost, env, depth) : EMPTY;
        for (let i = spine.length - 1; i >= 0; i--) acc = this.binary(spine[i], acc, env, depth);
        return acc;
      }
      case 'boolean_operator': case 'conditional_expression': {
        const vals = n.namedChildren.map((c) => (c ? this.expr(c, env, depth) : EMPTY));
        if (n.type === 'conditional_expression') return union([vals[0], vals[2]].filter(Boolean) as Val[]);
        return union(vals);
      }
      case 'list': case 'tuple': case 'set': case 'dictionary': case 'expression_list': {
        const vals = n.namedChildren.map((c) => (c ? this.expr(c, env, depth) : EMPTY));
        const u = union(vals);
        return { taint: u.taint, shape: n.type === 'list' || n.type === 'tuple' ? 'list' : n.type === 'expression_list' ? undefined : 'container' };
      }
      case 'pair': {
        const v = n.childForFieldName('value');
        return v ? this.expr(v, env, depth) : EMPTY;
      }
      case 'list_comprehension': case 'set_comprehension': case 'generator_expression': case 'dictionary_comprehension': {
        const local: Env = new Map(env);
        for (const c of n.namedChildren) {
          if (c?.type !== 'for_in_clause') continue;
          const right = c.childForFieldName('right');
          const it = right ? this.expr(right, local, depth) : EMPTY;
          const left = c.childForFieldName('left');
          if (left) this.bind(left, { taint: it.taint }, local);
        }
        const body = n.childForFieldName('body');
        const v = body ? this.expr(body, local, depth) : EMPTY;
        return { taint: v.taint, shape: n.type === 'list_comprehension' ? 'list' : 'container' };
      }
      case 'assignment': case 'augmented_assignment': {
        const left = n.childForFieldName('left'), right = n.childForFieldName('right');
        if (!right) { return EMPTY; }
        let v = this.expr(right, env, depth);
        if (n.type === 'augmented_assignment' && left) {
          const old = this.expr(left, env, depth);
          const u = union([old, v]);
          v = u.taint ? { taint: this.extend(u.taint, n, `appended with ${n.childForFieldName('operator')?.text ?? '+='}`), shape: old.shape } : { ...old, str: old.str !== undefined && v.str !== undefined ? old.str + v.str : undefined };
        } else if (v.taint && left) {
          v = { ...v, taint: this.extend(v.taint, n, `assigned to ${left.text.slice(0, 60)}`) };
        }
        if (left) this.bind(left, v, env, right);
        return v;
      }
      case 'named_expression': {
        const name = n.childForFieldName('name'), value = n.childForFieldName('value');
        const v = value ? this.expr(value, env, depth) : EMPTY;
        if (name) this.bind(name, v, env);
        return v;
      }
      case 'keyword_argument': {
        const v = n.childForFieldName('value');
        return v ? this.expr(v, env, depth) : EMPTY;
      }
      default: {
        // parenthesized, await, splats, unary operators, slices, interpolation…
        const vals = n.namedChildren.map((c) => (c ? this.expr(c, env, depth) : EMPTY));
        if (n.type === 'parenthesized_expression' || n.type === 'await' || n.type === 'unary_operator') return vals[0] ?? EMPTY;
        return union(vals);
      }
    }
  }


  /** One operator of a binary chain, the value of its left side already known. */
  private binary(n: Node, lv: Val, env: Env, depth: number): Val {
    const right = n.childForFieldName('right');
    const op = n.childForFieldName('operator')?.text;
    const rv = right ? this.expr(right, env, depth) : EMPTY;
    const u = union([lv, rv]);
    if (!u.taint) return lv.str !== undefined && rv.str !== undefined && op === '+' ? { str: lv.str + rv.str } : EMPTY;
    const label = op === '%' ? 'formatted with %' : op === '+' ? 'concatenated with +' : `combined with ${op}`;
    // Path(BASE) / name is still a Path
    const origin = [lv.origin, rv.origin].find((o) => o && /(^|\.)(Path|PurePath|PosixPath)$/.test(o));
    return { taint: this.extend(u.taint, n, label, hostFixedPrefix(this.constPrefix(n, env))), shape: lv.shape === 'list' || rv.shape === 'list' ? 'list' : undefined, origin };
  }

  private attribute(n: Node, env: Env, depth: number): Val {
    const obj = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text ?? '';
    // a dotted name assigned in this function (self.cmd = …)
    const own = env.get(n.text);
    if (own) return own;
    const cls = this.classStack[this.classStack.length - 1];
    if (cls && obj?.text === 'self') { const v = this.classAttrs.get(`${cls}.${attr}`); if (v) return v; }
    const q = this.qname(obj, env);
    if (q === 'flask.request' && FLASK_REQUEST_ATTRS.has(attr)) return this.source(n, `request.${attr} (Flask request)`);
    if (obj && (obj.text === 'request' || obj.text === 'req' || obj.text === 'self.request') && q !== 'flask.request' && REQUEST_PARAM_ATTRS.has(attr) && this.framework()) {
      const fw = this.framework();
      return this.source(n, `${obj.text}.${attr} (${fw === 'fastapi' ? 'FastAPI/Starlette' : fw === 'flask' ? 'Flask' : fw === 'django' ? 'Django' : 'web'} request)`);
    }
    if (obj?.text === 'self' && ((attr === 'kwargs' && this.framework() === 'django') || (TORNADO_ARG_METHODS.has(attr) && this.roots.has('tornado')))) {
      return this.source(n, `self.${attr} (${attr === 'kwargs' ? 'Django view URL parameters' : 'Tornado request'})`);
    }
    if (q === 'os.environ' && attr === 'get') return this.source(n, 'os.environ (environment)', true);
    if (`${q}.${attr}` === 'os.environ') return this.source(n, 'os.environ (environment)', true);
    if (`${q}.${attr}` === 'sys.argv') return this.source(n, 'sys.argv (command line)', true);
    const v = obj ? this.expr(obj, env, depth) : EMPTY;
    return v.taint ? { taint: v.taint, origin: v.origin ? `${v.origin}.${attr}` : undefined } : EMPTY;
  }

  private source(n: Node, label: string, local = false): Val {
    return { taint: { trace: [this.step('source', n, label)], sanitized: new Set(), ...(local ? { local } : {}) } };
  }

  private call(n: Node, env: Env, depth: number): Val {
    const fn = n.childForFieldName('function');
    const { positional, keywords } = callArgs(n);
    const argVals = positional.map((a) => this.expr(a, env, depth));
    const kwVals = new Map([...keywords].map(([k, v]) => [k, this.expr(v, env, depth)] as const));
    const q = this.qname(fn, env) ?? '';
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : fn?.text ?? '';
    const receiverNode = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
    const receiver = receiverNode ? this.expr(receiverNode, env, depth) : EMPTY;
    const all = [...argVals, ...kwVals.values()];
    const any = union(all);

    this.sinks(n, q, method, receiverNode, receiver, positional, argVals, keywords, kwVals, env);

    // sources that are calls
    if (q === 'input' || q === 'raw_input') return this.source(n, `${q}() (user input)`, true);
    if (q === 'os.getenv' || q === 'os.getenvb' || q === 'os.environ.get') return this.source(n, `${q}() (environment)`, true);
    if (q === 'open' || q === 'io.open' || q === 'codecs.open' || q === 'builtins.open') {
      const path = positional[0] ? literalString(positional[0]) : undefined;
      return { ...this.source(n, `contents of ${path !== undefined ? `file ${JSON.stringify(path)}` : 'a file'} (open)`, true), origin: 'open' };
    }
    if (fn?.type === 'attribute' && receiver.taint && (receiver.origin === 'open' || /(^|\.)(Path|PurePath)$/.test(receiver.origin ?? '')) && /^(read|readline|readlines|read_text|read_bytes)$/.test(method)) {
      return { taint: this.extend(receiver.taint, n, `read by .${method}()`) };
    }

    // sanitizers and killers
    if (KILLERS.has(q)) return EMPTY;
    const kinds = SANITIZERS.get(q) ?? (q.endsWith('secure_filename') ? ['path'] as Kind[] : undefined);
    if (kinds) {
      if (!any.taint) return EMPTY;
      const t = this.extend(any.taint, n, `${q}() (sanitizes for ${kinds.join(', ')})`);
      return { taint: { ...t, sanitized: new Set([...t.sanitized, ...kinds]) } };
    }
    if (NORMALIZERS.has(q)) {
      if (!any.taint) return EMPTY;
      return { taint: { ...this.extend(any.taint, n, `normalized by ${q}()`), normalized: true } };
    }
    if (q === 're.sub' && positional[0] && positional[2] && /\\[rns]|\r|\n|\\s/.test(positional[0].text)) {
      const v = argVals[2];
      if (!v?.taint) return EMPTY;
      return { taint: { ...this.extend(v.taint, n, 'line breaks removed (re.sub)'), sanitized: new Set([...v.taint.sanitized, 'log']) } };
    }

    // calls to functions of this file
    // a class of this file: its __init__ sees the arguments; the instance remembers its class
    if (fn?.type === 'identifier' && this.classes.has(fn.text) && !this.imports.has(fn.text)) {
      const init = this.methods.get(`${fn.text}.__init__`);
      if (init && depth + 1 <= MAX_DEPTH) {
        const ps = params(init.node).slice(1);
        const bound = new Map<string, Val>();
        ps.forEach((p, i) => {
          const v = kwVals.get(p.name) ?? (p.splat ? union(argVals.slice(i)) : argVals[i]);
          if (v?.taint) bound.set(p.name, { ...v, taint: this.extend(v.taint, n, `passed to ${fn.text}(${p.name})`, undefined, 'call') });
        });
        this.analyseFunction(init, bound, depth + 1);
      }
      return { origin: `class:${fn.text}` };
    }
    const local = this.localFunction(fn, receiverNode, receiver);
    if (local) {
      const ps = params(local.node).filter((p, i) => !(local.method && i === 0 && (p.name === 'self' || p.name === 'cls')));
      const bound = new Map<string, Val>();
      ps.forEach((p, i) => {
        const v = kwVals.get(p.name) ?? (p.splat ? union(argVals.slice(i)) : argVals[i]);
        if (v?.taint) bound.set(p.name, { ...v, taint: this.extend(v.taint, n, `passed to ${local.name}(${p.name})`, undefined, 'call') });
        else if (v) bound.set(p.name, v);
      });
      if (depth + 1 > MAX_DEPTH) return any.taint ? { taint: any.taint } : EMPTY;
      const ret = this.analyseFunction(local, bound, depth + 1);
      if (ret.taint) return { ...ret, taint: this.extend(ret.taint, n, `returned by ${local.name}()`, undefined, 'call') };
      return { shape: ret.shape, origin: ret.origin, str: ret.str };
    }

    if (PROPAGATORS.has(q)) {
      if (!any.taint) return { origin: /Path$/.test(q) ? q : undefined };
      // shlex.split(f"ls {x}"): an argument list whose program is fixed; shlex.split(x) lets x pick it
      if (q === 'shlex.split' && positional[0] && /^\s*[^\s{]+\s/.test(this.constPrefix(positional[0], env) ?? '')) {
        return { taint: this.extend(any.taint, n, 'split into an argument list (shlex.split)'), shape: 'list' };
      }
      const shape = q === 'list' || q === 'tuple' || q === 'sorted' ? 'list' : q === 'dict' || q === 'set' ? 'container' : undefined;
      return { taint: this.extend(any.taint, n, `${q}()`), shape, origin: /Path$/.test(q) ? q : undefined };
    }

    // methods on values
    if (fn?.type === 'attribute') {
      if (MUTATORS.has(method) && any.taint && receiverNode && (receiverNode.type === 'identifier' || receiverNode.type === 'attribute')) {
        const old = this.lookup(receiverNode.text, env) ?? EMPTY;
        env.set(receiverNode.text, { ...old, taint: this.extend(any.taint, n, `added to ${receiverNode.text} by .${method}()`) });
        return EMPTY;
      }
      if (NON_PROPAGATING_METHODS.has(method)) return EMPTY;
      if (method === 'replace' && receiver.taint && positional[0] && /\\n|\\r/.test(positional[0].text)) {
        return { taint: { ...this.extend(receiver.taint, n, 'line breaks replaced'), sanitized: new Set([...receiver.taint.sanitized, 'log']) } };
      }
      if (receiver.taint) {
        return { taint: this.extend(receiver.taint, n, `.${method}()`), origin: receiver.origin };
      }
      // a source that is a method: request.get_json(), await request.json(), request.body()
      const fnVal = this.attribute(fn, env, depth);
      if (fnVal.taint) return { taint: fnVal.taint };
      if ((method === 'format' || method === 'join' || method === 'format_map' || method === 'replace' || method === 'get' || method === 'substitute') && any.taint) {
        const prefix = method === 'format' ? this.constPrefix(receiverNode!, env)?.split('{')[0] : undefined;
        const label = method === 'format' ? 'formatted with .format()' : `.${method}()`;
        return { taint: this.extend(any.taint, n, label, hostFixedPrefix(prefix)) };
      }
    }
    // the object a constructor or factory made: requests.Session(), logging.getLogger(), pathlib.Path()
    if (q && /^[A-Za-z_][\w.]*$/.test(q) && (this.imports.has(q.split('.')[0]) || q === 'open')) return { origin: q };
    return EMPTY;
  }

  private localFunction(fn: Node | null, receiver: Node | null, receiverVal: Val): FnDef | undefined {
    if (!fn) return undefined;
    if (fn.type === 'identifier' && !this.imports.has(fn.text)) {
      const d = this.fns.get(fn.text);
      return d && !d.method ? d : undefined;
    }
    const name = fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : '';
    if (fn.type === 'attribute' && (receiver?.text === 'self' || receiver?.text === 'cls')) {
      const cls = this.classStack[this.classStack.length - 1];
      const d = (cls && this.methods.get(`${cls}.${name}`)) || this.fns.get(name);
      return d?.method ? d : undefined;
    }
    // an instance of a class of this file: h = Helper(); h.run(x)
    if (fn.type === 'attribute' && receiverVal.origin?.startsWith('class:')) return this.methods.get(`${receiverVal.origin.slice(6)}.${name}`);
    return undefined;
  }

  /** The constant text an expression starts with, when it is known. */
  private constPrefix(n: Node, env: Env, level = 0): string | undefined {
    if (level > 50) return undefined;
    switch (n.type) {
      case 'string': {
        // the literal text up to the first interpolation that is not a known constant (f"{BASE}/users/{id}")
        let out = '';
        for (const c of n.namedChildren) {
          if (c.type === 'string_content' || c.type === 'escape_sequence') out += c.text;
          else if (c.type === 'interpolation') {
            const e = c.childForFieldName('expression');
            const v = e?.type === 'identifier' ? this.lookup(e.text, env) : undefined;
            if (v?.str === undefined || v.taint) return out;
            out += v.str;
          }
        }
        return out;
      }
      case 'concatenated_string': return n.namedChildren[0] ? this.constPrefix(n.namedChildren[0], env) : undefined;
      case 'identifier': return this.lookup(n.text, env)?.str;
      case 'binary_operator': {
        const left = n.childForFieldName('left');
        const op = n.childForFieldName('operator')?.text;
        const p = left ? this.constPrefix(left, env, level + 1) : undefined;
        if (p === undefined) return undefined;
        if (op === '%') return p.split('%')[0];
        if (op === '+') {
          const lv = left ? this.lookup(left.text, env) : undefined;
          const whole = left?.type === 'string' ? literalString(left) : lv?.str;
          return whole !== undefined ? whole + (this.constPrefix(n.childForFieldName('right')!, env) ?? '') : p;
        }
        return undefined;
      }
      case 'parenthesized_expression': return n.namedChildren[0] ? this.constPrefix(n.namedChildren[0], env) : undefined;
      default: return undefined;
    }
  }

  // ---- sinks -----------------------------------------------------------------------------

  private sinks(n: Node, q: string, method: string, receiverNode: Node | null, receiver: Val, positional: Node[], args: Val[], keywords: Map<string, Node>, kw: Map<string, Val>, env: Env): void {
    const arg = (i: number, name?: string): Val | undefined => (name && kw.get(name)) || args[i];
    const argNode = (i: number, name?: string): Node => (name && keywords.get(name)) || positional[i] || n;
    const check = (rule: RuleKey, kind: Kind, v: Val | undefined, at: Node, label: string, extra?: (t: Taint) => boolean): void => {
      if (!v?.taint || v.taint.sanitized.has(kind)) return;
      // the machine's own environment, files and command line are configuration for these sinks, not attacks
      if (v.taint.local && REMOTE_ONLY.has(kind)) return;
      if (extra && !extra(v.taint)) return;
      this.report(rule, kind, v, n, label, at);
    };
    const call = `${q || method}()`;

    // CWE-78 command injection
    if (/^(os\.(system|popen|popen2|popen3|popen4)|commands\.(getoutput|getstatusoutput)|subprocess\.(getoutput|getstatusoutput)|asyncio\.create_subprocess_shell)$/.test(q)) {
      check('commandInjection', 'command', arg(0, 'command') ?? arg(0, 'cmd'), argNode(0), `${call} runs a shell command`);
    } else if (/^(subprocess\.(call|run|Popen|check_call|check_output)|os\.(execl|execlp|execv|execvp|spawnl|spawnlp|spawnv|spawnvp))$/.test(q)) {
      const shell = keywords.get('shell');
      const shellOn = shell && shell.type !== 'false' && shell.type !== 'none';
      const a0 = arg(0, 'args');
      const argv = positional[0]?.type === 'list' || positional[0]?.type === 'tuple' ? positional[0].namedChildren.filter((c): c is Node => !!c) : [];
      const shellList = argv.length >= 3 && /^["'](\/usr)?(\/bin\/)?(sh|bash|zsh|dash|ksh)["']$/.test(argv[0].text) && /^["']-c["']$/.test(argv[1].text);
      if (shellOn) check('commandInjection', 'command', a0, argNode(0, 'args'), `${call} with shell=True`);
      else if (shellList) check('commandInjection', 'command', this.exprNoReport(argv[2], env), argv[2], `${call} runs it with ${argv[0].text} -c`);
      else if (a0?.taint && a0.shape !== 'list' && q.startsWith('subprocess.')) check('commandInjection', 'command', a0, argNode(0, 'args'), `${call} with a command string (the input picks the program)`);
      else if (q.startsWith('os.')) check('commandInjection', 'command', args[0], argNode(0), `${call} program`);
    }

    // CWE-89 SQL injection
    if (method === 'extra' && receiverNode) {
      for (const k of ['where', 'select', 'tables', 'order_by']) check('sqlInjection', 'sql', kw.get(k), keywords.get(k) ?? n, `.extra(${k}=…) adds raw SQL`);
    }
    if (/^(execute|executemany|executescript|raw|mogrify)$/.test(method) && receiverNode) {
      check('sqlInjection', 'sql', arg(0, 'sql') ?? arg(0, 'query'), argNode(0), `.${method}() runs the query`);
    } else if (/(^|\.)(sqlalchemy\.text|sqlalchemy\.sql\.text|sqlalchemy\.sql\.expression\.text|RawSQL)$/.test(q) || (q === 'text' && this.roots.has('sqlalchemy'))) {
      check('sqlInjection', 'sql', arg(0), argNode(0), `${call} makes a raw SQL clause`);
    } else if (/^(pandas\.read_sql|pandas\.read_sql_query)$/.test(q)) {
      check('sqlInjection', 'sql', arg(0), argNode(0), `${call} runs the query`);
    }

    // CWE-95 code injection
    if ((q === 'eval' || q === 'exec' || q === 'compile' || q === 'builtins.eval' || q === 'builtins.exec') && !this.fns.has(q)) {
      check('codeInjection', 'code', arg(0, 'source'), argNode(0), `${call} runs it as Python code`);
    }

    // CWE-22 path traversal
    if (/^(open|io\.open|codecs\.open|builtins\.open|os\.(remove|unlink|rmdir|removedirs|makedirs|mkdir|listdir|rename|replace|chmod|chown|scandir)|shutil\.(copy|copy2|copyfile|copytree|move|rmtree)|flask\.send_file|(starlette\.responses|fastapi\.responses|django\.http)\.FileResponse|tarfile\.open|zipfile\.ZipFile)$/.test(q)) {
      const label = q === 'flask.send_file' ? `${call} sends the file` : `${call} opens the path`;
      const n0 = q.startsWith('shutil.') || q === 'os.rename' || q === 'os.replace' ? [0, 1] : [0];
      for (const i of n0) check('pathTraversal', 'path', arg(i, i === 0 ? 'file' : undefined), argNode(i), label);
    } else if (/^(read_text|read_bytes|write_text|write_bytes|open|unlink|rmdir|mkdir|touch|iterdir)$/.test(method) && /(^|\.)(Path|PurePath|PosixPath)(\.|$)/.test(receiver.origin ?? '')) {
      check('pathTraversal', 'path', receiver, receiverNode ?? n, `Path.${method}() opens the path`);
    } else if (method === 'save' && receiver.taint && positional[0]) {
      // werkzeug FileStorage.save(path): an upload written where the input says
      check('pathTraversal', 'path', args[0], argNode(0), '.save() writes the uploaded file');
    }

    // CWE-918 SSRF
    const clientOrigin = receiver.origin ?? '';
    const isHttpClient = /^(requests|httpx)\.(get|post|put|patch|delete|head|options|request|stream)$/.test(q)
      || (HTTP_VERBS.has(method) && /^(requests\.(Session|session)|httpx\.(Client|AsyncClient)|aiohttp\.ClientSession|urllib3\.PoolManager)/.test(clientOrigin));
    if (isHttpClient) {
      const urlIndex = method === 'request' || (clientOrigin.startsWith('urllib3') && method === 'request') ? 1 : 0;
      check('ssrf', 'ssrf', arg(urlIndex, 'url'), argNode(urlIndex, 'url'), `${call} requests the URL`, (t) => !t.hostFixed);
    } else if (/^(urllib\.request\.urlopen|urllib\.request\.Request|urllib2\.urlopen|urllib\.urlopen|urllib2\.Request)$/.test(q)) {
      check('ssrf', 'ssrf', arg(0, 'url'), argNode(0, 'url'), `${call} requests the URL`, (t) => !t.hostFixed);
    }

    // CWE-502 unsafe deserialization (yaml.load without a safe Loader is also a shape check: checks.ts)
    if (/^(pickle|cPickle|_pickle|dill|cloudpickle)\.(loads|load|Unpickler)$|^marshal\.(loads|load)$|^shelve\.open$|^jsonpickle\.(decode|loads)$|^pandas\.read_pickle$|^joblib\.load$|^torch\.load$/.test(q)) {
      check('unsafeDeserialization', 'deser', arg(0), argNode(0), `${call} deserializes it`);
    } else if (/^yaml\.(load|load_all|unsafe_load|unsafe_load_all)$/.test(q) && !safeYamlLoader(keywords, positional)) {
      check('unsafeDeserialization', 'deser', arg(0, 'stream'), argNode(0, 'stream'), `${call} without SafeLoader deserializes it`);
    }

    // CWE-79 XSS
    if (/^(flask\.make_response|flask\.render_template_string|flask\.Response|markupsafe\.Markup|flask\.Markup|jinja2\.Markup|django\.utils\.safestring\.mark_safe|django\.http\.HttpResponse|(fastapi|starlette)\.responses\.HTMLResponse|fastapi\.responses\.HTMLResponse|werkzeug\.Response|werkzeug\.wrappers\.Response)$/.test(q)) {
      // a response declared as another type (application/json, text/plain) is not rendered as HTML
      const type = literalStringOf(keywords.get('mimetype') ?? keywords.get('content_type') ?? keywords.get('media_type'));
      if (type === undefined || /html/i.test(type)) check('xss', 'xss', arg(0, q.endsWith('render_template_string') ? 'source' : 'content'), argNode(0), `${call} renders it as HTML`);
    }

    // CWE-601 open redirect
    if (/^(flask\.redirect|django\.shortcuts\.redirect|django\.http\.HttpResponseRedirect|django\.http\.HttpResponsePermanentRedirect|(fastapi|starlette)\.responses\.RedirectResponse|werkzeug\.utils\.redirect)$/.test(q)) {
      check('openRedirect', 'redirect', arg(0, 'url') ?? arg(0, 'location'), argNode(0, 'url'), `${call} redirects to it`, (t) => !t.hostFixed);
    }

    // CWE-117 log injection
    const isLogger = /^logging\.[a-z]+$/.test(q) || /^logging\.getLogger(\.|$)/.test(receiver.origin ?? clientOrigin)
      || (receiverNode && /(^|\.)(_?logger|_?log|LOGGER|LOG|_?LOGGER)$/.test(receiverNode.text));
    if (isLogger && LOG_METHODS.has(method)) {
      const start = method === 'log' ? 1 : 0;
      for (let i = start; i < args.length; i++) {
        const v = args[i];
        if (v?.taint && !v.taint.sanitized.has('log') && !v.taint.local) { check('logInjection', 'log', v, positional[i], `${receiverNode?.text ?? 'logging'}.${method}() writes it to the log`); break; }
      }
    }
  }

  // ---- findings --------------------------------------------------------------------------

  private report(rule: RuleKey, _kind: Kind, v: Val, sinkNode: Node, label: string, _arg?: Node): void {
    if (this.muted || !v.taint) return;
    const meta = RULES[rule];
    const loc = this.loc(sinkNode);
    const key = `${meta.id}:${loc.line}:${loc.column}`;
    if (this.findings.has(key)) return;
    const trace = [...v.taint.trace, this.step('sink', sinkNode, label)];
    // input from the machine itself (environment, files, command line) needs a local foothold: one level lower
    const severity = v.taint.local ? LOWER[meta.severity] ?? meta.severity : meta.severity;
    this.findings.set(key, {
      type: 'code', rule: meta.id, language: 'python', cwe: [meta.cwe], title: meta.title, severity,
      location: loc, snippet: snippetOf(this.file, sinkNode), trace, remediation: meta.remediation, source: v.taint.local ? 'local' : 'remote',
    });
  }

  private loc(n: Node) {
    return {
      path: this.file.path, line: n.startPosition.row + 1, column: n.startPosition.column + 1,
      endLine: n.endPosition.row + 1, endColumn: n.endPosition.column + 1,
      ...(this.file.layer ? { layer: this.file.layer } : {}),
    };
  }

  private step(kind: TraceStep['kind'], n: Node, label: string): TraceStep {
    return { kind, location: this.loc(n), label };
  }

  private extend(t: Taint, n: Node, label: string, hostFixed?: boolean, kind: TraceStep['kind'] = 'propagation'): Taint {
    const last = t.trace[t.trace.length - 1];
    const line = n.startPosition.row + 1;
    // one step per line and label is enough to follow; long chains are cut in the middle
    const trace = last && last.location.line === line && last.label === label ? t.trace : [...t.trace, this.step(kind, n, label)];
    return { ...t, trace: trace.length > 12 ? [...trace.slice(0, 4), ...trace.slice(-8)] : trace, hostFixed: hostFixed || t.hostFixed };
  }
}

function union(vals: Val[]): Val {
  const tainted = vals.filter((v) => v?.taint);
  if (!tainted.length) return vals.length === 1 ? vals[0] ?? EMPTY : EMPTY;
  // the result is safe for a kind only if every tainted part is
  const sanitized = new Set(ALL_KINDS.filter((k) => tainted.every((v) => v.taint!.sanitized.has(k))));
  const pick = tainted.find((v) => v.taint!.sanitized.size === sanitized.size) ?? tainted[0];
  return {
    taint: { ...pick.taint!, sanitized, hostFixed: tainted.every((v) => v.taint!.hostFixed), normalized: tainted.every((v) => v.taint!.normalized), local: tainted.every((v) => v.taint!.local) },
    shape: pick.shape, origin: pick.origin,
  };
}

/** A URL whose scheme and host are fixed ("https://api.example.com/…"), or a relative path ("/profile/…"). */
export function hostFixedPrefix(prefix: string | undefined): boolean | undefined {
  if (prefix === undefined) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\/[^/?#{}%]+[/?#]/i.test(prefix) || /^\/[^/\\]/.test(prefix) || undefined;
}

function safeYamlLoader(keywords: Map<string, Node>, positional: Node[]): boolean {
  const loader = keywords.get('Loader') ?? positional[1];
  return !!loader && /(^|\.)(SafeLoader|CSafeLoader|BaseLoader|CBaseLoader)$/.test(loader.text);
}

/** The source line(s) of a node, as written. */
export function snippetOf(file: FileContext, n: Node): string {
  const first = n.startPosition.row, last = Math.min(n.endPosition.row, first + 4);
  return file.lines.slice(first, last + 1).join('\n').slice(0, 2000);
}
