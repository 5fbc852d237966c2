/**
 * Java archives (JAR/WAR/EAR/…): Maven coordinates from `META-INF/maven/<g>/<a>/pom.properties`,
 * else from `META-INF/MANIFEST.MF`, recursing into nested archives (WEB-INF/lib, BOOT-INF/lib,
 * EAR modules, any `*.jar` inside). Pure: a Buffer in (read with yauzl), coordinates out.
 * Specs: https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html (manifest),
 * https://maven.apache.org/shared/maven-archiver/ (pom.properties).
 */
import yauzl from 'yauzl';

export interface ArchiveLimits {
  /** nesting depth: 0 = only the archive itself */
  maxDepth: number;
  /** largest entry read into memory (nested archive, properties, manifest) */
  maxEntryBytes: number;
  /** entries examined per archive */
  maxEntries: number;
  /** compression ratio above which an entry is refused (zip bomb) */
  maxRatio: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxDepth: 4, maxEntryBytes: 100 * 1024 * 1024, maxEntries: 100_000, maxRatio: 200 };

export interface JavaCoordinate {
  group: string;
  artifact: string;
  version: string;
  /** "app.war!/WEB-INF/lib/x.jar" */
  location: string;
  from: 'pom.properties' | 'MANIFEST.MF';
}

export interface ArchiveProblem { location: string; message: string }

const NESTED = /\.(jar|war|ear|rar|sar|par|jpi|hpi|kar|nar|aar)$/i;

/** Reads the wanted entries of one zip into memory. */
function readZip(buf: Buffer, limits: ArchiveLimits, want: (name: string) => boolean): Promise<{ entries: Map<string, Buffer>; problems: string[] }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true }, (err, zip) => {
      if (err || !zip) { reject(err ?? new Error('unreadable zip')); return; }
      const entries = new Map<string, Buffer>();
      const problems: string[] = [];
      let seen = 0;
      zip.on('error', (e: Error) => reject(e));
      zip.on('end', () => resolve({ entries, problems }));
      zip.on('entry', (e: yauzl.Entry) => {
        if (++seen > limits.maxEntries) { problems.push(`more than ${limits.maxEntries} entries; the rest skipped`); zip.close(); resolve({ entries, problems }); return; }
        const name = e.fileName;
        if (name.endsWith('/') || !want(name)) { zip.readEntry(); return; }
        if (e.uncompressedSize > limits.maxEntryBytes) { problems.push(`${name}: ${e.uncompressedSize} bytes exceeds the ${limits.maxEntryBytes}-byte entry limit`); zip.readEntry(); return; }
        if (e.compressedSize > 0 && e.uncompressedSize / e.compressedSize > limits.maxRatio) { problems.push(`${name}: compression ratio above ${limits.maxRatio}`); zip.readEntry(); return; }
        zip.openReadStream(e, (err2, stream) => {
          if (err2 || !stream) { problems.push(`${name}: ${err2?.message ?? 'unreadable'}`); zip.readEntry(); return; }
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', (e3: Error) => { problems.push(`${name}: ${e3.message}`); zip.readEntry(); });
          stream.on('end', () => { entries.set(name, Buffer.concat(chunks)); zip.readEntry(); });
        });
      });
      zip.readEntry();
    });
  });
}

/** `key=value` / `key: value` Java properties (comments, no line continuations needed here). */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** MANIFEST.MF main section; continuation lines start with one space. */
export function parseManifest(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (raw === '') break; // end of the main section
    if (raw.startsWith(' ') && last) { out[last] += raw.slice(1); continue; }
    const i = raw.indexOf(':');
    if (i <= 0) continue;
    last = raw.slice(0, i).trim();
    out[last] = raw.slice(i + 1).trim();
  }
  return out;
}

/**
 * Coordinates from a manifest, a heuristic: artifact = Implementation-Title or Bundle-Name,
 * group = Implementation-Vendor-Id, else Bundle-SymbolicName without its last segment when
 * the artifact repeats that segment ("org.apiguardian.api" + "apiguardian-api" → "org.apiguardian").
 */
export function manifestCoordinate(m: Record<string, string>): { group: string; artifact: string; version: string } | undefined {
  const version = m['Implementation-Version'] ?? m['Bundle-Version'];
  const symbolic = m['Bundle-SymbolicName']?.split(';')[0].trim();
  const artifact = m['Implementation-Title'] ?? m['Bundle-Name'] ?? symbolic;
  if (!version || !artifact || /\s/.test(artifact)) return undefined;
  let group = m['Implementation-Vendor-Id'];
  if (!group && symbolic) {
    const dot = symbolic.lastIndexOf('.');
    const tail = symbolic.slice(dot + 1);
    group = dot > 0 && artifact.split(/[-.]/).includes(tail) ? symbolic.slice(0, dot) : symbolic;
  }
  if (!group) return undefined;
  return { group, artifact, version };
}

/** Walks an archive and its nested archives. Never throws: unreadable parts become problems. */
export async function scanJavaArchive(buf: Buffer, location: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS, depth = 0): Promise<{ coordinates: JavaCoordinate[]; problems: ArchiveProblem[] }> {
  const coordinates: JavaCoordinate[] = [];
  const problems: ArchiveProblem[] = [];
  let zip;
  try {
    zip = await readZip(buf, limits, (n) => /^META-INF\/maven\/.+\/pom\.properties$/.test(n) || n === 'META-INF/MANIFEST.MF' || (depth < limits.maxDepth && NESTED.test(n)));
  } catch (e) {
    problems.push({ location, message: `not a readable zip archive: ${(e as Error).message}` });
    return { coordinates, problems };
  }
  for (const p of zip.problems) problems.push({ location, message: p });
  let found = false;
  for (const [name, data] of zip.entries) {
    if (!name.endsWith('pom.properties')) continue;
    const p = parseProperties(data.toString('utf8'));
    if (p.groupId && p.artifactId && p.version) {
      coordinates.push({ group: p.groupId, artifact: p.artifactId, version: p.version, location, from: 'pom.properties' });
      found = true;
    } else problems.push({ location: `${location}!/${name}`, message: 'pom.properties lacks groupId, artifactId or version' });
  }
  const mf = zip.entries.get('META-INF/MANIFEST.MF');
  if (!found && mf) {
    const c = manifestCoordinate(parseManifest(mf.toString('utf8')));
    if (c) coordinates.push({ ...c, location, from: 'MANIFEST.MF' });
  }
  for (const [name, data] of zip.entries) {
    if (!NESTED.test(name)) continue;
    const r = await scanJavaArchive(data, `${location}!/${name}`, limits, depth + 1);
    coordinates.push(...r.coordinates);
    problems.push(...r.problems);
  }
  return { coordinates, problems };
}
