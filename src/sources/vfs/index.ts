/** Shared machinery of the sources: safe path rules, the in-memory tree, scratch space. */
export * from './paths.ts';
export * from './tree.ts';
export * from './scratch.ts';
export * from './budget.ts';
