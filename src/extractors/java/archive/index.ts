/**
 * java/archive: Maven artifacts inside JAR/WAR/EAR files (and nested ones), located as
 * "app.war!/WEB-INF/lib/x.jar".
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { mavenPackage } from '../pom/maven.ts';
// the reader (and yauzl) is loaded by the first Java archive, not by every scan
import { entry, fileSink } from '../../entries.ts';

export type { ArchiveLimits, ArchiveProblem, JavaCoordinate } from './parse.ts';

const NAME = 'java/archive';
const ARCHIVE = /\.(jar|war|ear|rar|sar|par|jpi|hpi|kar|nar|aar)$/i;

export const javaArchiveExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: named({ extensions: ['jar', 'war', 'ear', 'rar', 'sar', 'par', 'jpi', 'hpi', 'kar', 'nar', 'aar'] }, (path, info) => info.kind === 'file' && ARCHIVE.test(path) && info.size < 512 * 1024 * 1024),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    const { scanJavaArchive } = await import('./parse.ts');
    const { coordinates, problems } = await scanJavaArchive(await file.read(), path);
    for (const p of problems) ctx.fileErrors.push({ path: p.location, rule: p.rule, message: `${p.location}: ${p.message}`, ...(p.count !== undefined ? { count: p.count } : {}) });
    const seen = new Set<string>();
    const out: Package[] = [];
    for (const c of coordinates) {
      const key = `${c.group}:${c.artifact}@${c.version}@${c.location}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const p = entry(fileSink(ctx, c.location), `${c.location}: ${c.group}:${c.artifact}:${c.version}`, () => mavenPackage(c.group, c.artifact, c.version, c.location, NAME));
      if (p) out.push(p);
    }
    return out;
  },
};
