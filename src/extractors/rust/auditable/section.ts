/** The section cargo-auditable writes (its own module: the extractor's header check needs it without the parser and zod). */
export const AUDIT_SECTION = '.dep-v0';
