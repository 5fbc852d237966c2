/**
 * The rules of the JavaScript/TypeScript analyzer as data: id, CWE, severity, title, remediation,
 * and which sources a taint rule accepts. Sources, sinks and sanitizers are matched in analyze.ts
 * (by resolved module path such as `child_process.exec`, or by method name and receiver).
 */
import type { Severity } from '../../../model/scan.ts';

export type RuleId =
  | 'js/command-injection'
  | 'js/sql-injection'
  | 'js/code-injection'
  | 'js/path-traversal'
  | 'js/ssrf'
  | 'js/unsafe-deserialization'
  | 'js/xss'
  | 'js/open-redirect'
  | 'js/log-injection'
  | 'js/weak-hash'
  | 'js/weak-cipher'
  | 'js/tls-verification-disabled'
  | 'js/hardcoded-credentials';

export interface Rule {
  id: RuleId;
  cwe: string[];
  severity: Severity;
  title: string;
  remediation: string;
  /**
   * Taint rules only: whether local sources (process.env, process.argv, file contents) count.
   * Remote-only rules (SSRF, XSS, open redirect, log injection, path traversal) would otherwise
   * flag every configured URL, path or log line; the operator who sets the environment is trusted.
   */
  localSources?: boolean;
  taint: boolean;
}

export const RULES: Record<RuleId, Rule> = {
  'js/command-injection': {
    id: 'js/command-injection', cwe: ['CWE-78'], severity: 'CRITICAL', taint: true, localSources: true,
    title: 'OS command built from untrusted data',
    remediation: 'Run the program without a shell: execFile/spawn with the arguments as an array (no {shell: true}), and validate each argument against an allow-list.',
  },
  'js/sql-injection': {
    id: 'js/sql-injection', cwe: ['CWE-89'], severity: 'CRITICAL', taint: true, localSources: true,
    title: 'SQL query built from untrusted data',
    remediation: 'Use a parameterized query: a constant SQL text with placeholders ($1, ?) and the values passed separately, or the query builder / a parameterizing tagged template (sql`…`).',
  },
  'js/code-injection': {
    id: 'js/code-injection', cwe: ['CWE-95'], severity: 'CRITICAL', taint: true, localSources: true,
    title: 'Untrusted data evaluated as code',
    remediation: 'Do not evaluate data: parse it (JSON.parse), look it up in a table of allowed operations, or pass a function rather than a string to setTimeout/setInterval.',
  },
  'js/path-traversal': {
    id: 'js/path-traversal', cwe: ['CWE-22'], severity: 'HIGH', taint: true,
    title: 'File path built from untrusted data',
    remediation: 'Keep only the file name (path.basename) or resolve the path against the allowed root and check that the result still starts with that root before using it.',
  },
  'js/ssrf': {
    id: 'js/ssrf', cwe: ['CWE-918'], severity: 'HIGH', taint: true,
    title: 'Outgoing request to a URL taken from untrusted data',
    remediation: 'Fix the scheme and host in code and put user input only in the path or query (encodeURIComponent), or check the URL\'s host against an allow-list.',
  },
  'js/unsafe-deserialization': {
    id: 'js/unsafe-deserialization', cwe: ['CWE-502'], severity: 'CRITICAL', taint: true, localSources: true,
    title: 'Untrusted data deserialized with a format that runs code',
    remediation: 'Use JSON.parse, or js-yaml\'s load with its default (safe) schema (js-yaml >= 4; safeLoad on 3.x); never node-serialize\'s unserialize or eval of serialized data.',
  },
  'js/xss': {
    id: 'js/xss', cwe: ['CWE-79'], severity: 'HIGH', taint: true,
    title: 'Untrusted data written into HTML',
    remediation: 'Encode for the HTML context (a template engine with auto-escaping, escape-html, textContent instead of innerHTML) or sanitize HTML with DOMPurify.',
  },
  'js/open-redirect': {
    id: 'js/open-redirect', cwe: ['CWE-601'], severity: 'MEDIUM', taint: true,
    title: 'Redirect to a URL taken from untrusted data',
    remediation: 'Redirect only to relative paths of this site (starting with a single "/") or to hosts on an allow-list.',
  },
  'js/log-injection': {
    id: 'js/log-injection', cwe: ['CWE-117'], severity: 'LOW', taint: true,
    title: 'Untrusted text written to a log line',
    remediation: 'Remove CR/LF from user input before logging it (value.replace(/[\\r\\n]/g, "")) or log it as a structured field (JSON).',
  },
  'js/weak-hash': {
    id: 'js/weak-hash', cwe: ['CWE-328'], severity: 'MEDIUM', taint: false,
    title: 'Weak hash algorithm (MD5/SHA-1)',
    remediation: 'Use SHA-256 or better (crypto.createHash("sha256")); for passwords use scrypt, argon2 or bcrypt.',
  },
  'js/weak-cipher': {
    id: 'js/weak-cipher', cwe: ['CWE-327'], severity: 'MEDIUM', taint: false,
    title: 'Weak cipher or mode',
    remediation: 'Use an authenticated cipher such as aes-256-gcm with crypto.createCipheriv, a random IV per message, and a key from a KDF; never DES, RC4, Blowfish or ECB mode, nor the deprecated crypto.createCipher.',
  },
  'js/tls-verification-disabled': {
    id: 'js/tls-verification-disabled', cwe: ['CWE-295'], severity: 'HIGH', taint: false,
    title: 'TLS certificate verification disabled',
    remediation: 'Keep certificate verification on; to trust a private CA pass it in `ca` instead of disabling verification.',
  },
  'js/hardcoded-credentials': {
    id: 'js/hardcoded-credentials', cwe: ['CWE-798'], severity: 'HIGH', taint: false,
    title: 'Hardcoded credential',
    remediation: 'Read the credential from the environment or a secret store at run time, and rotate the one committed.',
  },
};
