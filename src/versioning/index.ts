/** Version schemes: parse + compare per ecosystem, and the OSV ecosystem → scheme registry. */
export type { Version, VersionScheme } from './types.ts';
export * from './interval.ts';
export * from './registry.ts';
export * from './semver/index.ts';
export * from './go/index.ts';
export * from './pep440/index.ts';
export * from './maven/index.ts';
export * from './rubygems/index.ts';
export * from './nuget/index.ts';
export * from './composer/index.ts';
export * from './dpkg/index.ts';
export * from './rpm/index.ts';
export * from './apk/index.ts';
