/**
 * Exit codes, stable for scripts: 0 success; 1 an error stopped the command; 2 bad usage;
 * 3 done, but some inputs were skipped (with --strict, or a partial scan with --fail-on-partial) or some
 * sources failed; 4 not found.
 */
export const EXIT = { OK: 0, ERROR: 1, USAGE: 2, PARTIAL: 3, NOT_FOUND: 4 } as const;
