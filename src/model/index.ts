export * from './advisory.ts';
export * from './errors.ts';
export * from './names.ts';
