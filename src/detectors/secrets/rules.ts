/**
 * The rules: one per provider format, each with its real shape and, where the format has one, its
 * checksum. A rule finds candidates in a whole text (some secrets span lines: PEM, PuTTY, service
 * account JSON); scan.ts filters, pairs and masks them.
 */
import type { Severity } from '../../model/index.ts';
import { awsAccountId, base62TokenChecksumOk, base64Bytes, base64UrlBytes, shannon } from './checksum.ts';
import { isDocumentedExample, isHexDigest, isIntegrityHash, isPlaceholder, isUuid } from './filters.ts';

export type Confidence = 'verified' | 'format' | 'entropy';

export interface RuleInfo {
  /** stable id: "github-pat-classic", "aws-access-key-id", … (what `secret:<rule>` in .vigilignore names) */
  id: string;
  provider: string;
  title: string;
  severity: Severity;
}

/** A match before filtering: where the secret is in the text and what it is. */
export interface Candidate {
  rule: RuleInfo;
  /** offsets of the secret in the text */
  start: number;
  end: number;
  secret: string;
  /** characters at the secret's start that are the provider's fixed prefix (shown in full, plus 4 more) */
  fixedPrefix: number;
  confidence: Confidence;
  severity?: Severity;
  note?: string;
  /** higher wins when two candidates overlap (provider formats over generic assignments) */
  priority: number;
  /** where the finding is reported, when not at `start` (a PEM block: its BEGIN line) */
  at?: number;
  /** other ranges that are part of this secret and must be masked too (an AWS key's secret access key) */
  alsoMask?: [number, number][];
}

export interface RuleContext {
  path: string;
  lockfile: boolean;
  /** source code (by extension): an unquoted identifier after "=" is a variable, not a literal */
  code: boolean;
}

export interface Rule {
  /** the rule ids this rule can report (for docs and tests) */
  ids: RuleInfo[];
  /** cheap test: any of these substrings must occur in the text */
  keywords: string[];
  find(text: string, ctx: RuleContext): Candidate[];
}

const info = (id: string, provider: string, title: string, severity: Severity): RuleInfo => ({ id, provider, title, severity });

function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

/** offset of capture group `g` of m (the group's text is searched from the match start). */
function groupStart(m: RegExpExecArray, g: number): number {
  return m.index + m[0].indexOf(m[g]);
}

// ---------------------------------------------------------------------------------------------
// AWS

export const AWS_KEY_ID = info('aws-access-key-id', 'AWS', 'AWS access key id', 'MEDIUM');
export const AWS_KEY_PAIR = info('aws-access-key', 'AWS', 'AWS access key (id and secret access key)', 'CRITICAL');
export const AWS_SECRET_KEY = info('aws-secret-access-key', 'AWS', 'AWS secret access key', 'HIGH');

const AWS_ID_RE = /(?<![A-Za-z0-9/+])((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_RE = /(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_NAME = /aws.{0,24}secret|secret.?access.?key/i;

/** a 40-character string that could be a secret access key: random base64 alphabet, mixed classes */
export function looksLikeAwsSecret(s: string): boolean {
  return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) && !isHexDigest(s) && shannon(s) >= 4.2;
}

/**
 * Access key ids, each paired with the nearest secret access key within 5 lines (one finding, the
 * pair: verified by structure); an id alone is a MEDIUM finding, and a secret access key alone is
 * reported only when named as one (aws_secret_access_key = …).
 */
export const awsRule: Rule = {
  ids: [AWS_KEY_PAIR, AWS_KEY_ID, AWS_SECRET_KEY],
  keywords: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'ecret', 'ECRET'],
  find(text) {
    const out: Candidate[] = [];
    const ids = [...matches(AWS_ID_RE, text)].map((m) => ({ start: m.index, id: m[1] }));
    if (!ids.length && !AWS_SECRET_NAME.test(text)) return out;
    const secrets: { start: number; value: string }[] = [];
    for (const m of matches(AWS_SECRET_RE, text)) if (looksLikeAwsSecret(m[1]) && !isDocumentedExample(m[1])) secrets.push({ start: m.index, value: m[1] });
    const lineOf = lineIndexer(text);
    const used = new Set<number>();
    for (const { start, id } of ids) {
      const account = /^(?:AKIA|ASIA)[Q-Z2-7]/.test(id) ? awsAccountId(id) : null;
      if (/^(?:AKIA|ASIA)[Q-Z2-7]/.test(id) && account === null) continue; // new-style id that does not decode
      const line = lineOf(start);
      let best: { start: number; value: string } | undefined;
      for (const s of secrets) {
        const d = Math.abs(lineOf(s.start) - line);
        if (d <= 5 && (!best || d < Math.abs(lineOf(best.start) - line))) best = s;
      }
      const acct = account ? ` (account ${account})` : '';
      if (best) {
        used.add(best.start);
        out.push({ rule: AWS_KEY_PAIR, start, end: start + id.length, secret: id, fixedPrefix: 4, confidence: 'verified', priority: 30, note: `paired with the AWS secret access key on line ${lineOf(best.start) + 1}${acct}`, alsoMask: [[best.start, best.start + 40]] });
      } else {
        out.push({ rule: AWS_KEY_ID, start, end: start + id.length, secret: id, fixedPrefix: 4, confidence: 'format', priority: 20, note: account ? `access key id of account ${account}; no secret access key within 5 lines` : 'no secret access key within 5 lines' });
      }
    }
    for (const s of secrets) {
      if (used.has(s.start)) continue;
      const ls = text.lastIndexOf('\n', s.start) + 1;
      const before = text.slice(ls, s.start);
      if (!AWS_SECRET_NAME.test(before)) continue;
      out.push({ rule: AWS_SECRET_KEY, start: s.start, end: s.start + 40, secret: s.value, fixedPrefix: 0, confidence: 'format', priority: 25, note: 'named as an AWS secret access key; no access key id within 5 lines' });
    }
    return out;
  },
};

/** 0-based line of an offset, by binary search over line starts (built once per text). */
export function lineIndexer(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
}

// ---------------------------------------------------------------------------------------------
// simple regex rules: one capture group = the secret

interface RegexSpec {
  re: RegExp;
  keywords: string[];
  /** the rule, from the secret (several kinds share one pattern) */
  rule: (secret: string) => RuleInfo | null;
  fixedPrefix: (secret: string) => number;
  /** 'verified' / 'format', or null to drop the match (a failed checksum) */
  check: (secret: string) => { confidence: Confidence; severity?: Severity; note?: string } | null;
  priority?: number;
}

function regexRule(spec: RegexSpec): Rule & { spec: RegexSpec } {
  return {
    spec,
    ids: [],
    keywords: spec.keywords,
    find(text) {
      const out: Candidate[] = [];
      for (const m of matches(spec.re, text)) {
        const secret = m[1];
        const rule = spec.rule(secret);
        if (!rule) continue;
        const c = spec.check(secret);
        if (!c) continue;
        const start = groupStart(m, 1);
        out.push({ rule, start, end: start + secret.length, secret, fixedPrefix: spec.fixedPrefix(secret), confidence: c.confidence, severity: c.severity, note: c.note, priority: spec.priority ?? 20 });
      }
      return out;
    },
  };
}

// GitHub ---------------------------------------------------------------------------------------

const GITHUB_KINDS: Record<string, RuleInfo> = {
  ghp: info('github-pat-classic', 'GitHub', 'GitHub personal access token (classic)', 'CRITICAL'),
  gho: info('github-oauth-token', 'GitHub', 'GitHub OAuth access token', 'HIGH'),
  ghu: info('github-user-to-server-token', 'GitHub', 'GitHub App user-to-server token', 'HIGH'),
  ghs: info('github-server-to-server-token', 'GitHub', 'GitHub App installation (server-to-server) token', 'MEDIUM'),
  ghr: info('github-refresh-token', 'GitHub', 'GitHub App refresh token', 'HIGH'),
};
export const GITHUB_FINE_GRAINED = info('github-pat-fine-grained', 'GitHub', 'GitHub fine-grained personal access token', 'CRITICAL');

/** ghp_/gho_/ghu_/ghs_/ghr_ + 30 random + 6 checksum; a failed checksum is not a GitHub token. */
export const githubRule = regexRule({
  re: /(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
  keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  rule: (s) => GITHUB_KINDS[s.slice(0, 3)] ?? null,
  fixedPrefix: () => 4,
  check: (s) => (base62TokenChecksumOk(s, 4) ? { confidence: 'verified', note: 'CRC-32 checksum verified' } : null),
  priority: 30,
});
export const githubRefreshLongRule = regexRule({
  re: /(?<![A-Za-z0-9_])(ghr_[A-Za-z0-9]{76})(?![A-Za-z0-9_])/g,
  keywords: ['ghr_'],
  rule: () => GITHUB_KINDS.ghr,
  fixedPrefix: () => 4,
  check: () => ({ confidence: 'format' }),
});
export const githubFineGrainedRule = regexRule({
  re: /(?<![A-Za-z0-9_])(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9_])/g,
  keywords: ['github_pat_'],
  rule: () => GITHUB_FINE_GRAINED,
  fixedPrefix: () => 11,
  check: () => ({ confidence: 'format' }),
  priority: 30,
});

// GitLab ---------------------------------------------------------------------------------------

const GITLAB_KINDS: Record<string, RuleInfo> = {
  glpat: info('gitlab-pat', 'GitLab', 'GitLab personal access token', 'CRITICAL'),
  gldt: info('gitlab-deploy-token', 'GitLab', 'GitLab deploy token', 'HIGH'),
  glrt: info('gitlab-runner-token', 'GitLab', 'GitLab runner authentication token', 'HIGH'),
  glptt: info('gitlab-pipeline-trigger-token', 'GitLab', 'GitLab pipeline trigger token', 'HIGH'),
  glcbt: info('gitlab-cicd-job-token', 'GitLab', 'GitLab CI/CD job token', 'MEDIUM'),
  glimt: info('gitlab-incoming-mail-token', 'GitLab', 'GitLab incoming mail token', 'MEDIUM'),
  glagent: info('gitlab-agent-token', 'GitLab', 'GitLab agent for Kubernetes token', 'HIGH'),
  gloas: info('gitlab-oauth-secret', 'GitLab', 'GitLab OAuth application secret', 'HIGH'),
  glsoat: info('gitlab-scim-token', 'GitLab', 'GitLab SCIM OAuth token', 'HIGH'),
  glffct: info('gitlab-feature-flag-token', 'GitLab', 'GitLab feature flags client token', 'LOW'),
  glft: info('gitlab-feed-token', 'GitLab', 'GitLab feed token', 'LOW'),
  GR1348941: info('gitlab-runner-registration-token', 'GitLab', 'GitLab runner registration token', 'HIGH'),
};
/** glpat-… (20 characters, or the newer longer routable form with its ".01.xxxxxxxxx" suffix) and the other gl*- kinds */
export const gitlabRule = regexRule({
  re: /(?<![A-Za-z0-9_-])((?:glpat|gldt|glrt|glptt|glcbt|glimt|glagent|gloas|glsoat|glffct|glft)-[A-Za-z0-9_-]{20,300}(?:\.[0-9a-z]{2}\.[0-9a-z]{9})?|GR1348941[A-Za-z0-9_-]{20})(?![A-Za-z0-9_.-])/g,
  keywords: ['gl', 'GR1348941'],
  rule: (s) => GITLAB_KINDS[s.startsWith('GR1348941') ? 'GR1348941' : s.slice(0, s.indexOf('-'))] ?? null,
  fixedPrefix: (s) => (s.startsWith('GR1348941') ? 9 : s.indexOf('-') + 1),
  check: (s) => (shannon(s.slice(s.indexOf('-') + 1)) >= 3.0 ? { confidence: 'format' } : null),
  priority: 30,
});

// Slack ----------------------------------------------------------------------------------------

const SLACK_KINDS: Record<string, RuleInfo> = {
  xoxb: info('slack-bot-token', 'Slack', 'Slack bot token', 'HIGH'),
  xoxp: info('slack-user-token', 'Slack', 'Slack user token', 'CRITICAL'),
  xoxa: info('slack-app-token-legacy', 'Slack', 'Slack workspace access token', 'HIGH'),
  xoxr: info('slack-refresh-token', 'Slack', 'Slack refresh token', 'HIGH'),
  xoxs: info('slack-session-token', 'Slack', 'Slack session token', 'HIGH'),
  xapp: info('slack-app-token', 'Slack', 'Slack app-level token', 'HIGH'),
};
export const SLACK_WEBHOOK = info('slack-webhook-url', 'Slack', 'Slack incoming webhook URL', 'MEDIUM');

/**
 * xoxb-<team>-<bot>-<24>, xoxp-<team>-<user>-<team>-<32 hex>, xoxa-2-…, xoxr-…, and xoxe.xoxp-1-…
 * rotating tokens: numeric segments then a random tail of 10 or more; xapp-<n>-<app id>-<n>-<hex>.
 */
export const slackRule = regexRule({
  re: /(?<![A-Za-z0-9-])((?:xoxe\.)?xox[bpars]-(?:[0-9]+-){1,4}[A-Za-z0-9]{10,64}|xapp-[0-9]-[A-Z0-9]{8,12}-[0-9]{10,14}-[a-f0-9]{32,80})(?![A-Za-z0-9-])/g,
  keywords: ['xox', 'xapp-'],
  rule: (s) => SLACK_KINDS[s.replace(/^xoxe\./, '').slice(0, 4)] ?? null,
  fixedPrefix: (s) => s.indexOf('-') + 1,
  check: (s) => {
    const tail = s.slice(s.lastIndexOf('-') + 1);
    return shannon(tail) >= 3.0 ? { confidence: 'format' } : null;
  },
  priority: 30,
});
export const slackWebhookRule = regexRule({
  re: /(https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,12}\/[AB][A-Z0-9]{6,12}\/[A-Za-z0-9]{20,40})(?![A-Za-z0-9])/g,
  keywords: ['hooks.slack.com'],
  rule: () => SLACK_WEBHOOK,
  fixedPrefix: (s) => s.indexOf('/T') + 1,
  check: (s) => (shannon(s.slice(s.lastIndexOf('/') + 1)) >= 3.5 ? { confidence: 'format' } : null),
  priority: 30,
});

// Stripe ---------------------------------------------------------------------------------------

export const STRIPE_SECRET = info('stripe-secret-key', 'Stripe', 'Stripe live secret key', 'CRITICAL');
export const STRIPE_RESTRICTED = info('stripe-restricted-key', 'Stripe', 'Stripe live restricted key', 'HIGH');
export const STRIPE_TEST = info('stripe-test-key', 'Stripe', 'Stripe test-mode secret key', 'LOW');
/** sk_live_/rk_live_ (test-mode sk_test_/rk_test_ at LOW); publishable pk_ keys are public by design */
export const stripeRule = regexRule({
  re: /(?<![A-Za-z0-9_])((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,247})(?![A-Za-z0-9_])/g,
  keywords: ['k_live_', 'k_test_'],
  rule: (s) => (s.includes('_test_') ? STRIPE_TEST : s.startsWith('rk') ? STRIPE_RESTRICTED : STRIPE_SECRET),
  fixedPrefix: (s) => s.indexOf('_', 3) + 1,
  check: (s) => (shannon(s.slice(8)) >= 3.5 ? { confidence: 'format' } : null),
  priority: 30,
});

// Google ---------------------------------------------------------------------------------------

export const GOOGLE_API_KEY = info('google-api-key', 'Google', 'Google API key', 'HIGH');
export const GCP_SERVICE_ACCOUNT = info('gcp-service-account-key', 'Google', 'Google Cloud service account private key (JSON)', 'CRITICAL');
export const googleApiKeyRule = regexRule({
  re: /(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/g,
  keywords: ['AIza'],
  rule: () => GOOGLE_API_KEY,
  fixedPrefix: () => 4,
  check: (s) => (shannon(s.slice(4)) >= 3.5 ? { confidence: 'format' } : null),
  priority: 30,
});

/** A service-account key file: "type": "service_account" with a "private_key" PEM (as a JSON string). */
export const gcpServiceAccountRule: Rule = {
  ids: [GCP_SERVICE_ACCOUNT],
  keywords: ['service_account'],
  find(text) {
    if (!/"type"\s*:\s*"service_account"/.test(text)) return [];
    const out: Candidate[] = [];
    const re = /"private_key"\s*:\s*"(-----BEGIN (?:RSA )?PRIVATE KEY-----(?:\\n|[A-Za-z0-9+/=\s])+?-----END (?:RSA )?PRIVATE KEY-----(?:\\n)?)"/g;
    for (const m of matches(re, text)) {
      const start = groupStart(m, 1);
      const body = pemBody(m[1].replace(/\\n/g, '\n'));
      if (!body || body.length < 64) continue;
      const email = /"client_email"\s*:\s*"([^"]{1,200})"/.exec(text)?.[1];
      out.push({ rule: GCP_SERVICE_ACCOUNT, start, end: start + m[1].length, secret: m[1], fixedPrefix: 0, confidence: 'verified', priority: 40, note: email ? `service account ${email}` : undefined });
    }
    return out;
  },
};

// Azure ----------------------------------------------------------------------------------------

export const AZURE_STORAGE_KEY = info('azure-storage-account-key', 'Azure', 'Azure storage account key', 'CRITICAL');
export const AZURE_SAS_KEY = info('azure-shared-access-key', 'Azure', 'Azure Service Bus / Event Hubs shared access key', 'HIGH');
/** AccountKey=<base64 of 64 bytes> in a connection string (verified by decoding) */
export const azureStorageRule = regexRule({
  re: /AccountKey=([A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])/g,
  keywords: ['AccountKey='],
  rule: () => AZURE_STORAGE_KEY,
  fixedPrefix: () => 0,
  check: (s) => (base64Bytes(s)?.length === 64 && shannon(s) >= 4.5 ? { confidence: 'verified', note: 'base64 of a 64-byte key' } : null),
  priority: 30,
});
export const azureSasRule = regexRule({
  re: /SharedAccessKey=([A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])/g,
  keywords: ['SharedAccessKey='],
  rule: () => AZURE_SAS_KEY,
  fixedPrefix: () => 0,
  check: (s) => (base64Bytes(s)?.length === 32 && shannon(s) >= 4.3 ? { confidence: 'verified', note: 'base64 of a 32-byte key' } : null),
  priority: 30,
});

// npm, PyPI ------------------------------------------------------------------------------------

export const NPM_TOKEN = info('npm-access-token', 'npm', 'npm access token', 'CRITICAL');
export const PYPI_TOKEN = info('pypi-upload-token', 'PyPI', 'PyPI API token', 'CRITICAL');
export const TEST_PYPI_TOKEN = info('test-pypi-upload-token', 'PyPI', 'TestPyPI API token', 'LOW');
/** npm_ + 30 random + 6 CRC-32 base62 (the GitHub scheme); a failed checksum is dropped */
export const npmRule = regexRule({
  re: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9_])/g,
  keywords: ['npm_'],
  rule: () => NPM_TOKEN,
  fixedPrefix: () => 4,
  check: (s) => (base62TokenChecksumOk(s, 4) ? { confidence: 'verified', note: 'CRC-32 checksum verified' } : null),
  priority: 30,
});
/** pypi- + a macaroon whose base64 starts with location "pypi.org" (AgEIcHlwaS5vcmc) or "test.pypi.org" */
export const pypiRule = regexRule({
  re: /(?<![A-Za-z0-9_-])(pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})(?![A-Za-z0-9_-])/g,
  keywords: ['pypi-Ag'],
  rule: (s) => (s.startsWith('pypi-AgEN') ? TEST_PYPI_TOKEN : PYPI_TOKEN),
  fixedPrefix: (s) => (s.startsWith('pypi-AgEN') ? 26 : 20),
  check: () => ({ confidence: 'verified', note: 'macaroon for the package index' }),
  priority: 30,
});

// private keys ---------------------------------------------------------------------------------

const PEM_KINDS: Record<string, RuleInfo> = {
  'RSA PRIVATE KEY': info('private-key-rsa', 'private key', 'RSA private key (PEM)', 'CRITICAL'),
  'EC PRIVATE KEY': info('private-key-ec', 'private key', 'EC private key (PEM)', 'CRITICAL'),
  'DSA PRIVATE KEY': info('private-key-dsa', 'private key', 'DSA private key (PEM)', 'CRITICAL'),
  'PRIVATE KEY': info('private-key-pkcs8', 'private key', 'private key (PKCS #8 PEM)', 'CRITICAL'),
  'OPENSSH PRIVATE KEY': info('private-key-openssh', 'private key', 'OpenSSH private key', 'CRITICAL'),
  'ENCRYPTED PRIVATE KEY': info('private-key-encrypted', 'private key', 'encrypted private key (PKCS #8 PEM)', 'MEDIUM'),
  'PGP PRIVATE KEY BLOCK': info('private-key-pgp', 'private key', 'PGP private key block', 'CRITICAL'),
};
export const PUTTY_KEY = info('private-key-putty', 'private key', 'PuTTY private key (.ppk)', 'CRITICAL');

/** the base64 of a PEM block without headers ("Proc-Type: …") and whitespace; null when not base64 */
function pemBody(block: string): string | null {
  const lines = block.split(/\r?\n/);
  const body = lines.filter((l) => !/^[A-Za-z-]+:/.test(l.trim()) && !/^=[A-Za-z0-9+/]{4}$/.test(l.trim()) && !l.trim().startsWith('-----')).join('').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null;
  return body;
}

/**
 * -----BEGIN … PRIVATE KEY----- blocks (also inside JSON strings with "\n" escapes). The body must be
 * real base64 (at least 64 characters; "MIIE...": a placeholder). Verified: DER that starts with a
 * SEQUENCE, or openssh-key-v1. Encrypted keys (ENCRYPTED PRIVATE KEY, Proc-Type 4,ENCRYPTED, an
 * OpenSSH key with a cipher) are MEDIUM.
 */
export const pemRule: Rule = {
  ids: Object.values(PEM_KINDS),
  keywords: ['PRIVATE KEY'],
  find(text) {
    const out: Candidate[] = [];
    const re = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----/g;
    // the END of each kind, found once and reused (a BEGIN without END must not cost a scan each)
    const nextEnd = new Map<string, number>();
    for (const b of matches(re, text)) {
      const kind = b[1];
      const rule = PEM_KINDS[kind];
      if (!rule) continue;
      const endMark = `-----END ${kind}-----`;
      let endAt = nextEnd.get(kind);
      if (endAt === undefined || (endAt !== -1 && endAt < b.index)) {
        endAt = text.indexOf(endMark, b.index + b[0].length);
        nextEnd.set(kind, endAt);
      }
      if (endAt === -1) continue;
      if (endAt - b.index > 40000) continue;
      // another BEGIN before this END: this one is unterminated
      const inner = text.indexOf('-----BEGIN ', b.index + b[0].length);
      if (inner !== -1 && inner < endAt) continue;
      const m = { index: b.index, 0: text.slice(b.index, endAt + endMark.length) } as unknown as RegExpExecArray;
      re.lastIndex = endAt + endMark.length;
      const block = m[0].replace(/\\n/g, '\n');
      const body = pemBody(block);
      if (!body || body.length < 64) continue;
      const der = base64Bytes(body.length % 4 === 0 ? body : body + '='.repeat((4 - (body.length % 4)) % 4));
      let confidence: Confidence = 'format';
      let severity: Severity | undefined;
      let note: string | undefined;
      if (/Proc-Type:\s*4,ENCRYPTED/.test(block)) {
        severity = 'MEDIUM';
        note = 'encrypted with a passphrase (Proc-Type 4,ENCRYPTED)';
      }
      if (kind === 'OPENSSH PRIVATE KEY') {
        if (der && der.subarray(0, 15).toString('latin1') === 'openssh-key-v1\0') {
          confidence = 'verified';
          const len = der.readUInt32BE(15);
          const cipher = der.subarray(19, 19 + Math.min(len, 64)).toString('latin1');
          if (cipher !== 'none') {
            severity = 'MEDIUM';
            note = `encrypted with a passphrase (${cipher})`;
          }
        }
      } else if (kind !== 'PGP PRIVATE KEY BLOCK' && der && der[0] === 0x30) confidence = 'verified';
      if (kind === 'ENCRYPTED PRIVATE KEY') note = 'encrypted with a passphrase (PKCS #8)';
      const bodyStart = m.index + m[0].indexOf('-----', 5) + 5;
      const start = bodyStart;
      const end = m.index + m[0].lastIndexOf('-----END');
      out.push({ rule, start, end, at: m.index, secret: body, fixedPrefix: 0, confidence, severity, note, priority: 35 });
    }
    return out;
  },
};

/** PuTTY-User-Key-File-2/3: the Private-Lines block (encrypted files, Encryption: aes256-cbc, are MEDIUM) */
export const puttyRule: Rule = {
  ids: [PUTTY_KEY],
  keywords: ['PuTTY-User-Key-File-'],
  find(text) {
    const out: Candidate[] = [];
    const re = /PuTTY-User-Key-File-([23]): *(\S+)\r?\n/g;
    for (const m of matches(re, text)) {
      const plAt = text.indexOf('Private-Lines:', m.index);
      if (plAt === -1) break;
      if (plAt - m.index > 20000) continue;
      const encAt = text.indexOf('Encryption:', m.index);
      const enc = encAt !== -1 && encAt < plAt ? (/^Encryption: *(\S+)/.exec(text.slice(encAt, encAt + 100))?.[1] ?? 'none') : 'none';
      const plm = /^Private-Lines: *(\d+)\r?\n/.exec(text.slice(plAt, plAt + 40));
      if (!plm) continue;
      const pl = { index: plAt - m.index, 0: plm[0], 1: plm[1] };
      const n = Math.min(Number(pl[1]), 200);
      const blockStart = m.index + pl.index + pl[0].length;
      const lines = text.slice(blockStart).split('\n').slice(0, n);
      const body = lines.map((l) => l.trim()).join('');
      if (body.length < 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) continue;
      const end = blockStart + lines.reduce((a, l) => a + l.length + 1, 0) - 1;
      out.push({ rule: PUTTY_KEY, start: blockStart, end, secret: body, fixedPrefix: 0, confidence: 'verified', priority: 35, severity: enc === 'none' ? undefined : 'MEDIUM', note: `PuTTY v${m[1]} ${m[2]} key${enc === 'none' ? ', not encrypted' : `, encrypted (${enc})`}` });
    }
    return out;
  },
};

// JWT ------------------------------------------------------------------------------------------

export const JWT = info('jwt', 'JWT', 'JSON Web Token', 'MEDIUM');
/** header.payload.signature, base64url; the header must decode to a JSON object with "alg" */
export const jwtRule = regexRule({
  re: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,})(?![A-Za-z0-9_.-])/g,
  keywords: ['eyJ'],
  rule: () => JWT,
  fixedPrefix: () => 0,
  check: (s) => {
    const [h, p] = s.split('.');
    try {
      const header = JSON.parse(base64UrlBytes(h)?.toString('utf8') ?? '');
      const payload = JSON.parse(base64UrlBytes(p)?.toString('utf8') ?? '');
      if (typeof header !== 'object' || header === null || typeof header.alg !== 'string' || header.alg.toLowerCase() === 'none') return null;
      if (typeof payload !== 'object' || payload === null) return null;
      const exp = typeof payload.exp === 'number' ? ` expires ${new Date(payload.exp * 1000).toISOString()}` : '';
      return { confidence: 'verified', note: `alg ${String(header.alg).slice(0, 16)}${exp}` };
    } catch {
      return null;
    }
  },
  priority: 25,
});

// database URLs --------------------------------------------------------------------------------

export const DATABASE_URL = info('database-url-password', 'database', 'database connection URL with a password', 'HIGH');
const DB_URL_RE = /(?<![A-Za-z0-9+])((?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver):\/\/)([^\s:/@'"`<>]{0,128}):([^\s@'"`/<>]{1,256})@([^\s/'"`:?,;<>)]{1,253})/g;
const LOCAL_HOSTS = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)$/i;

/** scheme://user:password@host for the listed databases and brokers; the password is the secret */
export const databaseUrlRule: Rule = {
  ids: [DATABASE_URL],
  keywords: ['://'],
  find(text) {
    const out: Candidate[] = [];
    for (const m of matches(DB_URL_RE, text)) {
      const [, scheme, user, password, host] = m;
      if (isPlaceholder(password) || password === user || /^[:$%{<[]/.test(password) || /^\*+$/.test(password)) continue;
      const start = m.index + scheme.length + user.length + 1;
      const local = LOCAL_HOSTS.test(host);
      out.push({ rule: DATABASE_URL, start, end: start + password.length, secret: password, fixedPrefix: 0, confidence: 'format', priority: 28, severity: local ? 'LOW' : undefined, note: `${scheme.slice(0, -3)} URL for ${local ? 'a local host' : `host ${host.slice(0, 80)}`}` });
    }
    return out;
  },
};

// URLs with credentials, legacy npm tokens ------------------------------------------------------

export const URL_CREDENTIALS = info('url-credentials', 'generic', 'password in an http(s)/ftp URL', 'HIGH');
const URL_CRED_RE = /(?<![A-Za-z0-9+.-])((?:https?|ftps?|git\+https|sftp|ssh|ldaps?|smtps?):\/\/)([^\s:/@'"`<>]{1,128}):([^\s@'"`/<>]{6,256})@([A-Za-z0-9.-]{1,253})/g;

/** scheme://user:password@host for web, ftp, ldap, smtp: the password, when it is not a stand-in */
export const urlCredentialsRule: Rule = {
  ids: [URL_CREDENTIALS],
  keywords: ['://'],
  find(text) {
    const out: Candidate[] = [];
    for (const m of matches(URL_CRED_RE, text)) {
      const [, scheme, user, password, host] = m;
      if (isPlaceholder(password) || password === user || /^[:$%{<[]/.test(password) || isWordLike(password) || /passw|secret|token/i.test(password) || shannon(password) < 2.5) continue;
      const start = m.index + scheme.length + user.length + 1;
      const local = LOCAL_HOSTS.test(host);
      out.push({ rule: URL_CREDENTIALS, start, end: start + password.length, secret: password, fixedPrefix: 0, confidence: 'format', priority: 15, severity: local ? 'LOW' : undefined, note: `${scheme.slice(0, -3)} URL for ${local ? 'a local host' : `host ${host.slice(0, 80)}`}` });
    }
    return out;
  },
};

export const NPM_LEGACY_TOKEN = info('npm-legacy-token', 'npm', 'npm legacy auth token (.npmrc)', 'HIGH');
/** .npmrc `//registry/:_authToken=<uuid>`: npm's tokens before 2021 were UUIDs (the generic rule skips UUIDs) */
export const npmLegacyRule = regexRule({
  re: /:_authToken\s*=\s*["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f-])/gi,
  keywords: ['_authToken'],
  rule: () => NPM_LEGACY_TOKEN,
  fixedPrefix: () => 0,
  check: (s) => (/^0{8}-|^(.)\1{7}-/.test(s) ? null : { confidence: 'format' }),
  priority: 30,
});

// generic assignments --------------------------------------------------------------------------

export const GENERIC = info('generic-high-entropy', 'generic', 'high-entropy secret assigned to a secret-named key', 'MEDIUM');
const SECRET_NAME = /secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credential|signing[_-]?key|encryption[_-]?key|master[_-]?key/i;
const NOT_SECRET_NAME = /public|publishable|(?:^|[_.-])pub(?:lic)?[_-]?key|(?:_|\b|[a-z])id$|ids?$|url$|uri$|path|file|name$|username|user$|length|len$|type$|header|format|expir|timeout|ttl|field|prompt|label|hint|placeholder|hash|digest|checksum|sha\d*|count|max|min|size|enabled|required|regex|pattern|policy|endpoint|method|version|kind|prefix|tokeniz|param|input|env$|location|ref$|arn$/i;
/** a secret-like word somewhere in a name: where the generic rule looks for an assignment */
const NAME_HIT = /secret|token|passw|passwd|pwd|api[_-]?key|apikey|access[_-]?key|auth[_-]?key|private[_-]?key|credential|signing[_-]?key|encryption[_-]?key|master[_-]?key/gi;
/** name, then = : := => and a quoted or bare value; sticky, run at the name's start */
const ASSIGN_AT = /([A-Za-z_$][A-Za-z0-9_.$-]{0,80})["'\]]?\s*(?::=|=>|=|:)\s*(?:(["'`])([^"'`\s\\]{8,300})\2|([^\s"'`,;)}\]<>\\]{8,300}))/y;
const NAME_CHAR = /[A-Za-z0-9_.$-]/;

/** assignments whose name holds a secret-like word: found from the word, not by trying every offset */
function* assignments(text: string): Generator<RegExpExecArray> {
  NAME_HIT.lastIndex = 0;
  for (let hit = NAME_HIT.exec(text); hit; hit = NAME_HIT.exec(text)) {
    // the whole name around the word, each name looked at once
    let start = hit.index;
    while (start > 0 && hit.index - start <= 80 && NAME_CHAR.test(text[start - 1])) start--;
    let end = hit.index + hit[0].length;
    while (end < text.length && end - start <= 100 && NAME_CHAR.test(text[end])) end++;
    if (end - start > 100 || hit.index - start > 80) {
      // not a name we judge (a long run of name characters): skip past it
      while (end < text.length && NAME_CHAR.test(text[end])) end++;
      NAME_HIT.lastIndex = end;
      continue;
    }
    while (start < hit.index && !/[A-Za-z_$]/.test(text[start])) start++;
    ASSIGN_AT.lastIndex = start;
    const m = ASSIGN_AT.exec(text);
    NAME_HIT.lastIndex = m ? start + m[0].length : end;
    if (m) yield m;
  }
}

/** values a provider rule judges (a failed checksum, a truncated token): not generic secrets either */
const PROVIDER_PREFIX = /^(?:eyJ|gh[pousr]_|github_pat_|npm_|pypi-|gl(?:pat|dt|rt|ptt)-|xox[bpars]-|xapp-|[sr]k_(?:live|test)_|AKIA|ASIA|AIza)/;
/** a code reference rather than a literal: os.environ[...], process.env.X, getToken(), self.password */
const CODE_LIKE = /[()[\]{}]|^\$|^[A-Za-z_$][\w$]*[!?]?(?:\??\.[A-Za-z_$][\w$]*[!?]?)+$|^(?:true|false|null|none|nil)$/i;

/**
 * Words joined by separators, as people make test passwords and ids: "wrong-password-77",
 * "s3cret:with:colons", "token-i-v6only". Each part is digits, or letters in one case style with a
 * vowel and at most 4 digits. Random tokens with "-" or "_" (base64url) mix cases within a part.
 */
export function isWordLike(v: string): boolean {
  // CamelCase words: NonNullExpression, ?InterpolationInJSX (words with a vowel, or short acronyms)
  const letters = v.replace(/^[^A-Za-z]+/, '');
  if (/^[A-Za-z]{6,}$/.test(letters) && /[a-z]/.test(letters)) {
    const words = letters.split(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/);
    if (words.length >= 2 && words.every((w) => (w.length >= 2 && /^[A-Z]?[a-z]+$/.test(w) && /[aeiouy]/i.test(w)) || /^[A-Z]{2,5}$/.test(w))) return true;
  }
  const parts = v.split(/[-_:.@/+ ]+/).filter(Boolean);
  if (parts.length < 2) return false;
  return parts.every((p) => p.length <= 14 && (/^\d{1,8}$/.test(p) || p.length <= 3 || ((/^[a-z0-9]+$/.test(p) || /^[A-Z][a-z0-9]+$/.test(p) || /^[A-Z0-9]+$/.test(p)) && /[aeiouy]/i.test(p) && (p.match(/\d/g)?.length ?? 0) <= 4)));
}

/** the entropy a value needs: higher for shorter strings; hex needs less (4 bits is its maximum) */
export function entropyOk(v: string): boolean {
  const h = shannon(v);
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
  if (/^[0-9a-f]+$/i.test(v)) return v.length >= 32 && h >= 3.0;
  if (/^[a-z]+$/.test(v) || /^[A-Z]+$/.test(v)) return v.length >= 24 && h >= 3.8;
  // words: letters only, or lower-case words joined by - _ . (github-pat-classic, myTokenName)
  if (/^[A-Za-z]+$/.test(v) || /^[a-z]+(?:[-_.][a-z]+)+$/.test(v)) return v.length >= 20 && h >= 3.8 && !/^[a-z]+(?:[-_.][a-z]+)+$/.test(v);
  if (v.length >= 20) return h >= 3.5 && classes >= 2;
  if (v.length >= 12) return h >= 3.2 && classes >= 2;
  return h >= 2.75 && classes >= 3;
}

/**
 * name = value where the name says secret/token/password/api key and not id/url/hash/…, the value a
 * literal (not code, a UUID, a hex digest under a digest name, a lockfile integrity hash, a
 * placeholder) with enough entropy. Not run on lockfiles.
 */
export const genericRule: Rule = {
  ids: [GENERIC],
  keywords: [],
  find(text, ctx) {
    if (ctx.lockfile) return [];
    const out: Candidate[] = [];
    for (const m of assignments(text)) {
      const key = m[1];
      const value = m[3] ?? m[4];
      const lastPart = key.split(/[.]/).pop() ?? key;
      if (!SECRET_NAME.test(lastPart) || NOT_SECRET_NAME.test(lastPart)) continue;
      if (m[4] !== undefined && (CODE_LIKE.test(value) || (ctx.code && /^[A-Za-z_$][\w$]*$/.test(value)))) continue;
      // secrets are ASCII; a UUID inside (urn:uuid:…) is an id
      if (/[^\x21-\x7e]/.test(value) || /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(value)) continue;
      // a provider format that failed its checksum is not a token of that provider, nor a generic one
      if (PROVIDER_PREFIX.test(value)) continue;
      if (isPlaceholder(value) || isUuid(value) || isIntegrityHash(value) || /^[a-z]+:\/\//i.test(value) || /^\.{0,2}\//.test(value)) continue;
      if (/^\d+(?:\.\d+)*$/.test(value) || /^[\w.-]+@[\w.-]+$/.test(value) || /\d+\.\d+\.\d+/.test(value)) continue;
      // a template with interpolation is not a literal
      if (/\$\{|#\{|\{\{|%[sd(]/.test(value)) continue;
      if (isWordLike(value) || /passw|secret|token/i.test(value)) continue;
      // short values only under a password name
      if (value.length < 12 && !/passw|pwd/i.test(lastPart)) continue;
      if (!entropyOk(value)) continue;
      const start = m.index + m[0].lastIndexOf(value);
      out.push({ rule: GENERIC, start, end: start + value.length, secret: value, fixedPrefix: 0, confidence: 'entropy', priority: 10, note: `assigned to ${key.slice(0, 60)} (entropy ${shannon(value).toFixed(2)} bits/char)` });
    }
    return out;
  },
};

for (const r of [githubRule, githubRefreshLongRule]) r.ids.push(...Object.values(GITHUB_KINDS));
githubFineGrainedRule.ids.push(GITHUB_FINE_GRAINED);
gitlabRule.ids.push(...Object.values(GITLAB_KINDS));
slackRule.ids.push(...Object.values(SLACK_KINDS));
slackWebhookRule.ids.push(SLACK_WEBHOOK);
stripeRule.ids.push(STRIPE_SECRET, STRIPE_RESTRICTED, STRIPE_TEST);
googleApiKeyRule.ids.push(GOOGLE_API_KEY);
azureStorageRule.ids.push(AZURE_STORAGE_KEY);
azureSasRule.ids.push(AZURE_SAS_KEY);
npmRule.ids.push(NPM_TOKEN);
npmLegacyRule.ids.push(NPM_LEGACY_TOKEN);
pypiRule.ids.push(PYPI_TOKEN, TEST_PYPI_TOKEN);
jwtRule.ids.push(JWT);

/** every rule, in the order they run */
export const RULES: Rule[] = [
  awsRule,
  githubRule,
  githubRefreshLongRule,
  githubFineGrainedRule,
  gitlabRule,
  slackRule,
  slackWebhookRule,
  stripeRule,
  googleApiKeyRule,
  gcpServiceAccountRule,
  azureStorageRule,
  azureSasRule,
  npmRule,
  pypiRule,
  pemRule,
  puttyRule,
  jwtRule,
  databaseUrlRule,
  urlCredentialsRule,
  npmLegacyRule,
  genericRule,
];

/** every rule id with its provider and title */
export const RULE_INFOS: RuleInfo[] = [...new Map(RULES.flatMap((r) => r.ids).map((i) => [i.id, i])).values()];
