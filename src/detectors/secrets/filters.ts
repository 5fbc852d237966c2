/**
 * What is not a leaked secret though it looks like one: the providers' documented example keys,
 * placeholders, test fixtures marked as such, lockfile integrity hashes, UUIDs and hex digests.
 */
import { sha256Hex } from './checksum.ts';

/**
 * Example credentials printed in providers' documentation. The AWS ones, the Azurite development
 * storage key and jwt.io's sample token are public by design; a few are kept as sha256 so that the
 * literal token is not in this file (push protection scanners know some of them).
 */
const EXAMPLE_LITERALS = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  'ASIAIOSFODNN7EXAMPLE',
  'AKIAIOSFODNN7EXAMPLF',
  // Azurite / Azure Storage Emulator (documented well-known key)
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  // Telegram's Bot API documentation token
  '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11',
  // jwt.io's sample HS256 token
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
]);

/** sha256 of example keys from provider documentation (Stripe's docs test keys), kept hashed. */
const EXAMPLE_HASHES = new Set([
  sha256Hex(['sk', 'test', '4eC39HqLyjWDarjtT1zdp7dc'].join('_')),
  sha256Hex(['sk', 'test', 'BQokikJOvBiI2HlWgH4olfQ2'].join('_')),
  sha256Hex(['pk', 'test', 'TYooMQauvdEDq54NiTphI7jx'].join('_')),
]);

export function isDocumentedExample(secret: string): boolean {
  return EXAMPLE_LITERALS.has(secret) || EXAMPLE_HASHES.has(sha256Hex(secret)) || /EXAMPLE(KEY)?$/.test(secret);
}

const PLACEHOLDER_EXACT = /^(?:x+|X+|\*+|\.+|-+|#+|_+|0+|1234(?:5678?)?9?0?|changeme|change_me|changeit|password|passwd|pass|pw|secret|token|apikey|api_key|none|null|nil|undefined|true|false|todo|tbd|fixme|redacted|hidden|masked|default|admin|root|test|testing|example|sample|dummy|placeholder)$/i;
const PLACEHOLDER_SHAPES = [
  /^<[^<>]*>$/, // <your-token>
  /^\[[^\]]*\]$/, // [TOKEN]
  /^\$\{[^}]*\}$/, // ${VAR}
  /^\$\([^)]*\)$/, // $(cmd)
  /^\$[A-Za-z_][A-Za-z0-9_]*$/, // $VAR
  /^%[A-Za-z_(]/, // %(name)s, %s
  /^\{\{.*\}\}$/, // {{ template }}
  /^\{[A-Za-z_][\w.]*\}$/, // {password}
  /^#\{[^}]*\}$/, // #{ruby}
  /^__[A-Z0-9_]+__$/, // __TOKEN__
];
/** Words that mark a value as a stand-in, wherever they appear in it. */
const PLACEHOLDER_WORDS = /^(?:some|my|the|a|your|our|new|old)[-_]?(?:password|passwd|pass|secret|token|key|apikey)\d*$|x{5,}|X{5,}|\*{3,}|\.{3}|changeme|change[-_]?me|replace[-_]?me|your[-_]?(?:own[-_]?)?(?:api[-_]?)?(?:key|token|secret|password|pass|pwd)|(?:^|[^a-z])(?:dummy|placeholder|redacted|notasecret|not[-_]a[-_]real|fake[-_]?(?:key|token|secret|password))/i;

/** A value that stands in for a secret: xxx, <your-token>, ${VAR}, changeme, dummy, … */
export function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER_EXACT.test(value)) return true;
  if (PLACEHOLDER_SHAPES.some((r) => r.test(value))) return true;
  if (PLACEHOLDER_WORDS.test(value)) return true;
  // one character repeated, or an alphabet walk
  if (/^(.)\1+$/.test(value)) return true;
  if (/(?:abcdefgh|0123456789|123456789)/i.test(value) && value.length < 24) return true;
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string): boolean => UUID.test(v);
/** A git object id or a hex digest (md5, sha1, sha256, sha512), optionally with an algorithm prefix. */
export const isHexDigest = (v: string): boolean => /^(?:(?:sha1|sha256|sha512|md5):)?(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128})$/i.test(v);
/** Subresource-integrity values as lockfiles write them: sha512-<base64>. */
export const isIntegrityHash = (v: string): boolean => /^sha(?:1|256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(v);

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'composer.lock', 'Gemfile.lock', 'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'go.sum', 'packages.lock.json', 'uv.lock', 'pdm.lock']);
/** Lockfiles are full of integrity hashes: only provider rules (a token in a resolved URL) run on them. */
export const isLockfile = (path: string): boolean => LOCKFILES.has(path.slice(path.lastIndexOf('/') + 1));

/**
 * A path inside a test-fixtures folder: test/fixtures, tests/fixtures, spec/fixtures, __fixtures__,
 * testdata/fixtures (any depth). A folder named only "test" or "testdata" is not enough.
 */
export function isFixturePath(path: string): boolean {
  return /(?:^|\/)(?:tests?|spec|__tests__|testdata)\/(?:[^/]+\/)*?(?:fixtures?|__fixtures__)\//i.test(path) || /(?:^|\/)__fixtures__\//.test(path);
}

const MARKER_WORDS = new Set(['fake', 'dummy', 'example', 'sample', 'placeholder']);

/**
 * True when the line (with the secret cut out) says the value is a stand-in: a word "fake",
 * "dummy", "example", "sample" or "placeholder" in a comment, a name (FAKE_TOKEN, exampleKey) or a
 * string. Host names (example.com) do not count.
 */
export function lineSaysFake(lineWithoutSecret: string): boolean {
  const cleaned = lineWithoutSecret
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S*/gi, ' ')
    .replace(/\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|test|invalid|local|example)\b/gi, ' ');
  const words = cleaned
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/);
  return words.some((w) => MARKER_WORDS.has(w));
}

/**
 * A file that declares itself a fixture near its top (first 5 lines): "fake credentials",
 * "example keys", "dummy secrets for tests", "test fixture", "not real".
 */
export function fileSaysFake(text: string): boolean {
  let end = 0;
  for (let i = 0; i < 5 && end !== -1; i++) end = text.indexOf('\n', end + (i ? 1 : 0));
  const head = end === -1 ? text.slice(0, 2000) : text.slice(0, Math.min(end, 2000));
  // the marker word and what it qualifies, at most one (content) word apart ("fake AWS credentials",
  // "example API keys"): a header such as "Example: put your API key in …", "the example id below is
  // no key" or "an example of how keys rotate" says nothing about the file's own values
  return /\b(?:fake|dummy|example)\s+(?:(?!(?:of|for|how|the|an?|to|in|on|is)\s)[a-z0-9-]+\s+)?(?:secrets?|keys?|tokens?|credentials?|passwords?)\b|\btest fixtures?\b|\bnot real (?:secrets?|keys?|tokens?|credentials?)\b/i.test(head);
}

const CODE_EXT = /\.(?:[cm]?[jt]sx?|py|pyi|go|java|kt|kts|scala|rb|php|cs|fs|vb|swift|m|mm|c|cc|cpp|cxx|h|hpp|rs|dart|lua|pl|pm|r|groovy|gradle|ex|exs|erl|clj|hs|ml|vue|svelte)$/i;
/** Source code by extension (where `x = name` assigns a variable, unlike .env or YAML). */
export const isSourceCode = (path: string): boolean => CODE_EXT.test(path);
