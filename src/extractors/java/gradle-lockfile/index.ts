/**
 * java/gradle-lockfile: Gradle dependency locking files (`gradle.lockfile`, and the older
 * per-configuration `gradle/dependency-locks/*.lockfile`;
 * https://docs.gradle.org/current/userguide/dependency_locking.html). Each line is
 * `group:artifact:version=conf1,conf2`; `empty=` lists configurations without dependencies.
 * A dependency only in test configurations is marked dev.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { mavenPackage } from '../pom/maven.ts';
import { entry, fileSink } from '../../entries.ts';

const NAME = 'java/gradle-lockfile';

/** test, testCompileClasspath, testFixturesRuntimeClasspath, androidTestImplementation, debugUnitTestRuntimeClasspath… */
export const isTestConfiguration = (c: string): boolean => /^(test|androidTest)|UnitTest|AndroidTest/.test(c);

export interface GradleLock { group: string; artifact: string; version: string; configurations: string[] }

/** Pure: text in. */
export function parseGradleLockfile(text: string): { deps: GradleLock[]; problems: { line: number; message: string }[] } {
  const deps: GradleLock[] = [];
  const problems: { line: number; message: string }[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('empty=')) return;
    const eq = line.indexOf('=');
    const coord = (eq < 0 ? line : line.slice(0, eq)).split(':');
    if (coord.length !== 3 || coord.some((x) => !x)) { problems.push({ line: i + 1, message: `not "group:artifact:version[=configurations]": ${JSON.stringify(line)}` }); return; }
    deps.push({ group: coord[0], artifact: coord[1], version: coord[2], configurations: eq < 0 ? [] : line.slice(eq + 1).split(',').filter(Boolean) });
  });
  return { deps, problems };
}

export const gradleLockfileExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the name before the size: a directory walk stats a file only when asked (sources/dir)
  fileRequired: named({ extensions: ['lockfile'] }, (path, info) => info.kind === 'file' && path.endsWith('.lockfile')
    && (/(^|\/)[^/]*gradle\.lockfile$/.test(path) || /(^|\/)gradle\/dependency-locks\/[^/]+\.lockfile$/.test(path)) && info.size < 32 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const { deps, problems } = parseGradleLockfile((await file.read()).toString('utf8'));
    for (const p of problems) ctx.fileErrors.push({ path, rule: 'gradle-lock-line', message: `${path}:${p.line}: ${p.message}` });
    return deps.flatMap((d) => {
      const p = entry(fileSink(ctx, path), `${path}: ${d.group}:${d.artifact}:${d.version}`, () => mavenPackage(d.group, d.artifact, d.version, path, NAME));
      if (!p) return [];
      if (d.configurations.length > 0 && d.configurations.every(isTestConfiguration)) p.dev = true;
      return [p];
    });
  },
};
