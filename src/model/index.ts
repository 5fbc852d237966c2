export * from './advisory.ts';
export * from './errors.ts';
export * from './names.ts';
export * from './cvss.ts';
export * from './package.ts';
export * from './purl.ts';
export * from './scan.ts';
export * from './nesting.ts';
