/**
 * One list of Vigil's errors. Each has a stable code, an HTTP status (for the API) and a message
 * that names the input and the rule it broke. Throw these, never strings.
 */
export const ERROR_CODES = {
  VIGIL_INVALID_VERSION: 400,
  VIGIL_INVALID_RECORD: 422,
  VIGIL_INVALID_INPUT: 400,
  VIGIL_UNSAFE_ARCHIVE: 422,
  VIGIL_LIMIT_EXCEEDED: 413,
  VIGIL_UNAUTHORIZED: 401,
  VIGIL_FORBIDDEN: 403,
  VIGIL_NOT_FOUND: 404,
  VIGIL_CONFLICT: 409,
  VIGIL_CONFIG: 500,
  VIGIL_NETWORK: 502,
  VIGIL_STORE: 500,
  /** an unexpected failure; the API shows only this code and a request id */
  VIGIL_INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class VigilError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** the input that was bad: a file path, a zip entry, an advisory id, a version string */
  readonly input?: string;
  /** short name of the rule the input broke, e.g. "osv-schema", "path-traversal" */
  readonly rule?: string;

  /**
   * `opts.status` replaces the code's usual HTTP status where one code covers two cases (a rate
   * limit is VIGIL_LIMIT_EXCEEDED like an oversized body, but 429, not 413).
   */
  constructor(code: ErrorCode, message: string, opts: { input?: string; rule?: string; cause?: unknown; status?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VigilError';
    this.code = code;
    this.statusCode = opts.status ?? ERROR_CODES[code];
    this.input = opts.input;
    this.rule = opts.rule;
  }
}

/** A version string that its scheme cannot parse: `invalid Debian version "a:1.0": epoch must be numeric`. */
export class InvalidVersionError extends VigilError {
  constructor(scheme: string, version: string, rule: string) {
    super('VIGIL_INVALID_VERSION', `invalid ${scheme} version ${JSON.stringify(version)}: ${rule}`, { input: version, rule });
    this.name = 'InvalidVersionError';
  }
}

/** An advisory or enrichment entry that breaks its format's rules; importers record it and go on. */
export class InvalidRecordError extends VigilError {
  constructor(input: string, rule: string, detail: string) {
    super('VIGIL_INVALID_RECORD', `${input}: ${rule}: ${detail}`, { input, rule });
    this.name = 'InvalidRecordError';
  }
}
