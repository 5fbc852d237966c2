/**
 * Hardcoded secrets (issue 17): provider formats with their checksums, private keys, JWTs, database
 * URLs and generic high-entropy assignments, over texts, a ScanFS and a repository's git history.
 * The secret itself never leaves a finding: prefix, sha256 and length identify it. See README.md.
 */
export { scanText, secretPrefix, type ScanTextOptions } from './scan.ts';
export { scanSecrets, secretContentFilter, decodeText, DEFAULT_MAX_FILE_BYTES, type ScanSecretsOptions, type SecretScanError } from './fs.ts';
export { scanGitHistory, secretHash, type GitHistoryOptions } from './git.ts';
export { RULES, RULE_INFOS, type RuleInfo } from './rules.ts';
export { IGNORE_FILE_NAMES, parseIgnoreFile, type IgnoreSet } from './ignore.ts';
