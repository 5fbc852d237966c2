/** Test helpers (shared with the npm extractors). */
export * from '../javascript/testutil.ts';
