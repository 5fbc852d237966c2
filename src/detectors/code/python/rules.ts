/**
 * The rules: id, CWE, severity, title and remediation, as data (Semgrep-style metadata). The
 * analysis (taint.ts, checks.ts) decides where a rule fires; this file says what it means.
 */
import type { Severity } from '../../../model/scan.ts';

export interface RuleMeta {
  id: string;
  cwe: string;
  severity: Severity;
  title: string;
  remediation: string;
  /** needs a source-to-sink flow (a trace), or fires on the code's shape alone */
  taint: boolean;
}

const r = (id: string, cwe: string, severity: Severity, taint: boolean, title: string, remediation: string): RuleMeta =>
  ({ id: `python/${id}`, cwe, severity, taint, title, remediation });

export const RULES = {
  commandInjection: r('command-injection', 'CWE-78', 'CRITICAL', true, 'Command built from untrusted input',
    'Pass the command as an argument list without shell=True (subprocess.run(["prog", arg])); never build a shell string from input. If a shell is unavoidable, quote each value with shlex.quote.'),
  sqlInjection: r('sql-injection', 'CWE-89', 'CRITICAL', true, 'SQL query built from untrusted input',
    'Use a parameterized query: a constant SQL string with placeholders and the values passed separately (cursor.execute("... WHERE id = %s", (value,)), text("... :id") with bound parameters).'),
  codeInjection: r('code-injection', 'CWE-95', 'CRITICAL', true, 'Untrusted input evaluated as code',
    'Do not eval/exec/compile input. Parse data with ast.literal_eval or json.loads, or map input to a fixed set of operations.'),
  pathTraversal: r('path-traversal', 'CWE-22', 'HIGH', true, 'File path built from untrusted input',
    'Reduce the name to a file name (os.path.basename or werkzeug.utils.secure_filename), or resolve the path (os.path.realpath) and check it starts with the allowed directory; Flask: send_from_directory.'),
  ssrf: r('ssrf', 'CWE-918', 'HIGH', true, 'Server-side request to a URL from untrusted input',
    'Do not let input choose the host: build the URL from a fixed base and validated path segments, or check the host against an allow-list before the request.'),
  unsafeDeserialization: r('unsafe-deserialization', 'CWE-502', 'CRITICAL', true, 'Unsafe deserialization',
    'Deserialize untrusted data only with data-only formats: json.loads, yaml.safe_load (or Loader=yaml.SafeLoader). pickle, marshal, shelve and jsonpickle run code while loading.'),
  xss: r('xss', 'CWE-79', 'HIGH', true, 'Untrusted input rendered as HTML',
    'Render through an auto-escaping template (render_template with a file, Django templates) or escape with markupsafe.escape / html.escape; never mark input safe (Markup, mark_safe) or use it as a template (render_template_string).'),
  openRedirect: r('open-redirect', 'CWE-601', 'MEDIUM', true, 'Redirect to a URL from untrusted input',
    'Redirect only to relative paths or allow-listed hosts: check with url_has_allowed_host_and_scheme (Django) or compare urlparse(url).netloc with your own host.'),
  logInjection: r('log-injection', 'CWE-117', 'MEDIUM', true, 'Untrusted input written to a log',
    'Remove line breaks before logging (value.replace("\\r", "").replace("\\n", "")) or log a structured field (extra={...}) with a JSON formatter.'),
  weakHash: r('weak-hash', 'CWE-328', 'MEDIUM', false, 'Weak hash algorithm (MD5/SHA-1)',
    'Use SHA-256 or stronger (hashlib.sha256); for passwords use a password hash (hashlib.scrypt, argon2, bcrypt). If the hash is not for security, say so with usedforsecurity=False.'),
  weakCipher: r('weak-cipher', 'CWE-327', 'HIGH', false, 'Weak cipher or cipher mode',
    'Use AES in an authenticated mode (AES-GCM, ChaCha20-Poly1305; cryptography\'s AESGCM or Fernet). DES, 3DES, RC4, Blowfish, RC2 and ECB mode are broken or leak patterns.'),
  tlsVerificationDisabled: r('tls-verification-disabled', 'CWE-295', 'HIGH', false, 'TLS certificate verification disabled',
    'Keep certificate and host name verification on (verify=True, ssl.create_default_context()); to trust a private CA, pass its bundle (verify="/path/ca.pem").'),
  hardcodedCredentials: r('hardcoded-credentials', 'CWE-798', 'HIGH', false, 'Hard-coded credential',
    'Read the credential at run time from the environment or a secret manager (os.environ["DB_PASSWORD"]) and rotate the one committed.'),
} as const satisfies Record<string, RuleMeta>;

export type RuleKey = keyof typeof RULES;
export const RULE_LIST: readonly RuleMeta[] = Object.values(RULES);
