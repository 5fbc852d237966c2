/**
 * The rules that need no taint: the code's shape is the flaw. Weak hashes (CWE-328), weak ciphers
 * and modes (CWE-327), TLS verification disabled (CWE-295), hard-coded credentials (CWE-798), and
 * yaml.load without a safe Loader (CWE-502, also reported with a trace by taint.ts when input
 * reaches it; index.ts merges the two).
 */
import type { CodeFinding } from '../../../model/code.ts';
import type { Node } from './parser.ts';
import { callArgs, collectImports, descendants, literalString, params } from './names.ts';
import { RULES, type RuleKey } from './rules.ts';
import { snippetOf, type FileContext } from './taint.ts';

const WEAK_HASHES = /^(md5|sha1|md4|md2|sha|ripemd160)$/i;
const HTTP_VERBS = /^(get|post|put|patch|delete|head|options|request|stream|urlopen|Session|Client|AsyncClient|ClientSession|TCPConnector|PoolManager)$/;

export function shapeChecks(root: Node, file: FileContext): CodeFinding[] {
  const imports = collectImports(root);
  const out: CodeFinding[] = [];
  const qname = (n: Node | null | undefined): string | undefined => {
    if (!n) return undefined;
    if (n.type === 'identifier') return imports.get(n.text) ?? n.text;
    if (n.type === 'attribute') {
      const base = qname(n.childForFieldName('object'));
      const attr = n.childForFieldName('attribute')?.text;
      return base && attr ? `${base}.${attr}` : undefined;
    }
    if (n.type === 'call') return qname(n.childForFieldName('function'));
    return undefined;
  };
  const add = (rule: RuleKey, n: Node, fix?: { description: string; from: Node; to: string }, severity?: CodeFinding['severity']): void => {
    const meta = RULES[rule];
    const snippet = snippetOf(file, n);
    let replacement: string | undefined;
    if (fix) {
      // the replacement covers the snippet's lines: the snippet with the node's text changed
      const lineStart = file.lines.slice(0, n.startPosition.row).reduce((a, l) => a + l.length + 1, 0);
      const s = fix.from.startIndex - lineStart, e = fix.from.endIndex - lineStart;
      if (s >= 0 && e <= snippet.length && snippet.slice(s, e) === fix.from.text) replacement = snippet.slice(0, s) + fix.to + snippet.slice(e);
    }
    out.push({
      type: 'code', rule: meta.id, language: 'python', cwe: [meta.cwe], title: meta.title, severity: severity ?? meta.severity,
      location: { path: file.path, line: n.startPosition.row + 1, column: n.startPosition.column + 1, endLine: n.endPosition.row + 1, endColumn: n.endPosition.column + 1, ...(file.layer ? { layer: file.layer } : {}) },
      snippet, trace: [], remediation: meta.remediation,
      ...(fix ? { fix: { description: fix.description, ...(replacement !== undefined ? { replacement } : {}) } } : {}),
    });
  };

  for (const n of descendants(root)) {
    switch (n.type) {
      case 'call': {
        const fn = n.childForFieldName('function');
        const q = qname(fn) ?? '';
        const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : fn?.text ?? '';
        const { positional, keywords } = callArgs(n);
        const notForSecurity = keywords.get('usedforsecurity')?.type === 'false';
        // CWE-328
        const hm = /^hashlib\.(md5|sha1|md4)$/.exec(q);
        if (hm && !notForSecurity) add('weakHash', n, { description: `use hashlib.sha256 instead of ${q}`, from: fn!, to: fn!.text.replace(/(md5|sha1|md4)$/, 'sha256') });
        if (q === 'hashlib.new' && !notForSecurity) {
          const alg = literalString(positional[0] ?? keywords.get('name'));
          if (alg && WEAK_HASHES.test(alg)) add('weakHash', n, { description: `use 'sha256' instead of '${alg}'`, from: positional[0] ?? keywords.get('name')!, to: "'sha256'" });
        }
        if (/^(Crypto|Cryptodome)\.Hash\.(MD5|MD4|MD2|SHA|SHA1)\.new$/.test(q) || /^cryptography\.hazmat\.primitives\.hashes\.(MD5|SHA1)$/.test(q)) add('weakHash', n);
        // CWE-327
        if (/^(Crypto|Cryptodome)\.Cipher\.(DES|DES3|ARC4|ARC2|Blowfish|CAST|XOR)\.new$/.test(q)
          || /^cryptography\.hazmat\.primitives\.ciphers\.algorithms\.(TripleDES|Blowfish|ARC4|IDEA|CAST5|SEED)$/.test(q)
          || /^cryptography\.hazmat\.primitives\.ciphers\.modes\.ECB$/.test(q)
          || /^pyDes\.(des|triple_des)$/.test(q)) add('weakCipher', n);
        else if (/^(Crypto|Cryptodome)\.Cipher\.\w+\.new$/.test(q) && [...positional, ...keywords.values()].some((a) => /(^|\.)MODE_ECB$/.test(a.text))) add('weakCipher', n);
        // CWE-295
        const verify = keywords.get('verify') ?? keywords.get('verify_ssl') ?? (/^aiohttp\./.test(q) || method === 'TCPConnector' ? keywords.get('ssl') : undefined);
        if (verify?.type === 'false' && (/^(requests|httpx|aiohttp|urllib3)\./.test(q) || HTTP_VERBS.test(method))) {
          add('tlsVerificationDisabled', n, { description: 'verify certificates', from: verify, to: 'True' });
        }
        if (q === 'ssl._create_unverified_context') add('tlsVerificationDisabled', n, { description: 'use ssl.create_default_context()', from: fn!, to: fn!.text.replace(/_create_unverified_context$/, 'create_default_context') });
        if (/^urllib3\.PoolManager$/.test(q) && /CERT_NONE/.test(keywords.get('cert_reqs')?.text ?? '')) { /* reported at ssl.CERT_NONE below when written so; a string 'CERT_NONE' here */ if (literalString(keywords.get('cert_reqs'))) add('tlsVerificationDisabled', n); }
        // CWE-502: yaml.load without a safe Loader
        if (/^yaml\.(load|load_all)$/.test(q)) {
          const loader = keywords.get('Loader') ?? positional[1];
          if (!loader || !/(^|\.)(SafeLoader|CSafeLoader|BaseLoader|CBaseLoader)$/.test(loader.text)) {
            // HIGH without a trace: no input was seen reaching it (taint.ts reports CRITICAL when one does)
            add('unsafeDeserialization', n, loader ? undefined : { description: `use yaml.safe_${q.slice(5)}`, from: fn!, to: fn!.text.replace(/load(_all)?$/, 'safe_load$1') }, 'HIGH');
          }
        }
        if (/^yaml\.(unsafe_load|unsafe_load_all)$/.test(q)) add('unsafeDeserialization', n, { description: 'use yaml.safe_load', from: fn!, to: fn!.text.replace(/unsafe_load/, 'safe_load') }, 'HIGH');
        // CWE-798: keyword arguments
        for (const [k, v] of keywords) if (credentialName(k) && credentialValue(v, k)) add('hardcodedCredentials', v);
        break;
      }
      case 'attribute': {
        const q = qname(n);
        // a comparison (verify_mode != CERT_NONE) reads the setting, it does not turn verification off
        if (q === 'ssl.CERT_NONE' && certNoneSet(n)) add('tlsVerificationDisabled', n, { description: 'require certificates', from: n, to: n.text.replace(/CERT_NONE$/, 'CERT_REQUIRED') });
        if (q === 'ssl._create_unverified_context' && n.parent?.type !== 'call') add('tlsVerificationDisabled', n, { description: 'use ssl.create_default_context', from: n, to: n.text.replace(/_create_unverified_context$/, 'create_default_context') });
        break;
      }
      case 'assignment': {
        const left = n.childForFieldName('left'), right = n.childForFieldName('right');
        if (!left || !right) break;
        if (left.type === 'attribute' && left.childForFieldName('attribute')?.text === 'check_hostname' && right.type === 'false') add('tlsVerificationDisabled', n, { description: 'check host names', from: right, to: 'True' });
        // session.verify = False (requests.Session)
        if (left.type === 'attribute' && left.childForFieldName('attribute')?.text === 'verify' && right.type === 'false') add('tlsVerificationDisabled', n, { description: 'verify certificates', from: right, to: 'True' });
        // x = "…", self.x = "…", app.config["SECRET_KEY"] = "…"
        const name = left.type === 'identifier' ? left.text : left.type === 'attribute' ? left.childForFieldName('attribute')?.text
          : left.type === 'subscript' ? literalString(left.childForFieldName('subscript')) : undefined;
        if (name && credentialName(name) && credentialValue(right, name)) add('hardcodedCredentials', n);
        break;
      }
      case 'pair': {
        const k = literalString(n.childForFieldName('key'));
        const v = n.childForFieldName('value');
        if (k && v && credentialName(k) && credentialValue(v, k)) add('hardcodedCredentials', n);
        break;
      }
      case 'function_definition': {
        for (const p of params(n)) if (p.default && credentialName(p.name) && credentialValue(p.default, p.name)) add('hardcodedCredentials', p.default);
        break;
      }
      case 'comparison_operator': {
        const [a, b] = n.namedChildren;
        const ops = n.children.filter((c) => c && !c.isNamed).map((c) => c!.text);
        if (a && b && (ops[0] === '==' || ops[0] === '!=')) {
          const nameOf = (x: Node) => (x.type === 'identifier' ? x.text : x.type === 'attribute' ? x.childForFieldName('attribute')?.text : undefined);
          const id = nameOf(a) ?? nameOf(b), lit = nameOf(a) ? b : a;
          // only password-like names: lexers compare `token == "lambda"` all the time
          if (id && /pass|pwd|secret/i.test(id) && credentialName(id) && credentialValue(lit, id)) add('hardcodedCredentials', n);
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

const CRED_WORD = /(^|_)(pass|passwd|password|passphrase|pwd|secret|token|api_?key|apikey|access_?key|secret_?key|private_?key|auth_?key|credentials?|client_secret|auth_token|bearer)($|_)/i;
const NOT_A_CRED = /(^|_)(url|uri|endpoint|field|fields|name|names|type|types|header|prefix|suffix|len|length|path|file|dir|env|var|regex|pattern|label|hint|msg|message|help|text|prompt|policy|count|expiry|expires|ttl|timeout|format|kind|param|placeholder|id|ids|key_name|encoding|algorithm|alg|scheme|reset|required|min|max|hash|hashed|salt|rounds|iterations|column|attr|attribute|mode|method|class|route|template|cookie_name|location)$/i;
const PLACEHOLDER = /^(<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|\{.*\}|\*+|x+|\.+|-+|changeme|change[_-]?me|changeit|password|passwd|secret|token|your[_-]?.*|example.*|dummy.*|fake.*|test|testing|sample.*|placeholder|redacted|none|null|nil|todo|tbd|fixme|xxx.*|replace[_-]?me.*|insert[_-].*|enter[_-].*)$/i;

/** snake_case of a name (apiKey → api_key). */
function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2');
}

export function credentialName(name: string): boolean {
  const s = snake(name);
  return CRED_WORD.test(s) && !NOT_A_CRED.test(s) && !/^(is|has|no|use|show|enable|require|should|allow)_/i.test(s);
}

/** A literal that looks like a real credential: not empty, not a placeholder, a key name, a URL path or prose. */
export function credentialValue(n: Node, name: string): boolean {
  const v = literalString(n);
  if (v === undefined) return false;
  const t = v.trim();
  if (t.length < 4) return false;
  if (PLACEHOLDER.test(t)) return false;
  // the value names the thing (refresh_token_key = "refresh_token", consumer_secret = "consumer.secret")
  const norm = (x: string) => snake(x).toLowerCase().replace(/[^a-z0-9]+/g, '_');
  if (norm(name).includes(norm(t))) return false;
  if (/\*{3}/.test(t) || !/[a-z0-9]/i.test(t)) return false; // masked
  if (/^[A-Z][A-Z0-9_]*_[A-Z0-9_]+$/.test(t)) return false; // an environment variable's name
  if (/^(https?:\/\/[^@\s]*|\/[\w/.-]*)$/.test(t)) return false; // a URL without credentials, a path
  if (/\s/.test(t) && t.split(/\s+/).length >= 4) return false; // prose
  if (/^(bearer|basic|jwt|oauth2?|hs256|rs256|utf-?8)$/i.test(t)) return false;
  // a token or key is not a short dictionary word ("lambda", "access"); a password may be
  if (!/pass|pwd|secret/i.test(name) && (t.length < 8 || /^[a-z]+$/i.test(t))) return false;
  return true;
}

/** ssl.CERT_NONE written as the setting (assigned, passed), not read, compared, mapped or chosen by a flag. */
function certNoneSet(n: Node): boolean {
  const p = n.parent;
  if (!p) return false;
  if (p.type === 'assignment') return p.childForFieldName('right')?.id === n.id;
  return p.type === 'keyword_argument' || p.type === 'argument_list';
}
