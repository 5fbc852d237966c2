/**
 * Java archives (JAR/WAR/EAR/…): Maven coordinates from `META-INF/maven/<g>/<a>/pom.properties`,
 * else from `META-INF/MANIFEST.MF`, recursing into nested archives (WEB-INF/lib, BOOT-INF/lib,
 * EAR modules, any `*.jar` inside). Pure: a Buffer in (read with yauzl), coordinates out.
 * Specs: https://docs.oracle.com/en/java/javase/21/docs/specs/jar/jar.html (manifest),
 * https://maven.apache.org/shared/maven-archiver/ (pom.properties).
 */
import yauzl from 'yauzl';
import { DEFAULT_SOURCE_LIMITS, RATIO_FLOOR, type SourceLimits } from '../../../sources/types.ts';
import { Budget, overlappingEntries, shortName, type ZipSpan } from '../../../sources/vfs/index.ts';

/**
 * The limits are the sources' (src/sources/types.ts), the same as for every other archive reader:
 * maxDepth (nesting), maxFileBytes (one entry read), maxRatio, maxEntries / maxNameBytes /
 * maxTotalNameBytes (over the archive and everything nested in it), maxNestedBytes (bytes read out
 * of nested archives, held in memory while they are read). Overlapping entries are always skipped.
 */
export type ArchiveLimits = SourceLimits;
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = DEFAULT_SOURCE_LIMITS;

export interface JavaCoordinate {
  group: string;
  artifact: string;
  version: string;
  /** "app.war!/WEB-INF/lib/x.jar" */
  location: string;
  from: 'pom.properties' | 'MANIFEST.MF';
}

/**
 * A problem with one archive or entry. `rule` is a source limit rule ("decompression-bomb",
 * "overlapping-entries", "nesting-too-deep", …) when a limit skipped something, else "java-archive";
 * `count` when the record stands for several entries.
 */
export interface ArchiveProblem { location: string; message: string; rule: string; count?: number }

const NESTED = /\.(jar|war|ear|rar|sar|par|jpi|hpi|kar|nar|aar)$/i;

/** The entries worth reading, after the limits: small metadata read, nested archives to read one at a time. */
interface ZipContents {
  entries: Map<string, Buffer>;
  nested: { name: string; entry: yauzl.Entry }[];
  zip: yauzl.ZipFile;
}

function openBuffer(buf: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    // names are decoded and judged here, not by yauzl: one odd name must not lose the archive
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => (err || !zip ? reject(err ?? new Error('unreadable zip')) : resolve(zip))),
  );
}

/** Every central-directory entry, one at a time; `onEntry` returns false to stop. */
function eachEntry(zip: yauzl.ZipFile, onEntry: (e: yauzl.Entry) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    zip.on('error', (e: Error) => { if (!done) { done = true; reject(e); } });
    zip.on('end', () => { if (!done) { done = true; resolve(); } });
    zip.on('entry', (e: yauzl.Entry) => {
      if (done) return;
      if (onEntry(e)) zip.readEntry();
      else { done = true; resolve(); }
    });
    zip.readEntry();
  });
}

/** One entry's bytes, stopping at `max` whatever the headers claim. */
function readEntry(zip: yauzl.ZipFile, e: yauzl.Entry, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(e, (err, stream) => {
      if (err || !stream) { reject(err ?? new Error('unreadable entry')); return; }
      // one buffer of the declared size, filled in place: no second copy of a big entry
      const out = Buffer.allocUnsafe(max);
      let n = 0;
      stream.on('data', (c: Buffer) => {
        if (n + c.length > max) { stream.destroy(new Error(`more than ${max} bytes`)); return; }
        c.copy(out, n);
        n += c.length;
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(out.subarray(0, n)));
    });
  });
}

/**
 * The bytes of a stored (uncompressed, unencrypted) entry as a view of the archive, found through
 * its local header (APPNOTE 4.3.7); null when it is compressed or the header does not add up.
 */
function storedView(buf: Buffer, e: yauzl.Entry): Buffer | null {
  if (e.compressionMethod !== 0 || (e.generalPurposeBitFlag & 1) !== 0 || e.compressedSize !== e.uncompressedSize) return null;
  const at = e.relativeOffsetOfLocalHeader;
  if (at + 30 > buf.length || buf.readUInt32LE(at) !== 0x04034b50) return null;
  const start = at + 30 + buf.readUInt16LE(at + 26) + buf.readUInt16LE(at + 28);
  const end = start + e.compressedSize;
  return end <= buf.length ? buf.subarray(start, end) : null;
}

/** Up to three names, for a message about many entries. */
function some(names: string[]): string {
  return names.slice(0, 3).map((n) => shortName(n, 120)).join(', ') + (names.length > 3 ? `, … (${names.length})` : '');
}

/**
 * Reads one zip's central directory under the limits, then the small wanted entries. Overlapping
 * entries (several names pointing into the same bytes: https://www.bamsoftware.com/hacks/zipbomb/)
 * are skipped, all but the first of each overlap; so are bombs, oversized entries and archives
 * nested deeper than maxDepth — each recorded, the rest of the archive still read.
 */
async function readZip(buf: Buffer, location: string, limits: ArchiveLimits, budget: Budget, depth: number, problems: ArchiveProblem[]): Promise<ZipContents> {
  const zip = await openBuffer(buf);
  const spans: ZipSpan[] = [];
  const wanted: { name: string; entry: yauzl.Entry; i: number }[] = [];
  const tooDeep: string[] = [];
  let i = 0;
  await eachEntry(zip, (e) => {
    const raw = e.fileName as unknown as Buffer;
    const name = yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, raw, e.extraFields, false);
    const v = budget.entry(name);
    if (!v.ok) {
      problems.push({ location: v.stop ? location : `${location}!/${shortName(name)}`, rule: v.rule, message: v.message });
      return !v.stop;
    }
    const at = i++;
    // the local header is at least 30 bytes plus the name; the data follows it
    spans.push({ start: e.relativeOffsetOfLocalHeader, end: e.relativeOffsetOfLocalHeader + 30 + raw.length + e.compressedSize, i: at });
    if (name.endsWith('/')) return true;
    const meta = /^META-INF\/maven\/.+\/pom\.properties$/.test(name) || name === 'META-INF/MANIFEST.MF';
    if (NESTED.test(name) && depth >= limits.maxDepth) tooDeep.push(name);
    else if (meta || NESTED.test(name)) wanted.push({ name, entry: e, i: at });
    return true;
  });
  if (tooDeep.length) {
    problems.push({ location, rule: 'nesting-too-deep', count: tooDeep.length, message: `${some(tooDeep)}: archives nested deeper than ${limits.maxDepth} levels; not read` });
  }
  const overlapping = overlappingEntries(spans);
  const contents: ZipContents = { entries: new Map(), nested: [], zip };
  const overlapNames: string[] = [];
  for (const w of wanted) {
    const e = w.entry;
    const where = `${location}!/${shortName(w.name)}`;
    if (overlapping.has(w.i)) { overlapNames.push(w.name); continue; }
    if (e.uncompressedSize > limits.maxFileBytes) {
      problems.push({ location: where, rule: 'file-too-large', message: `${e.uncompressedSize} bytes, over the ${limits.maxFileBytes}-byte limit; not read` });
      continue;
    }
    if (e.uncompressedSize > RATIO_FLOOR && e.uncompressedSize / Math.max(e.compressedSize, 1) > limits.maxRatio) {
      problems.push({ location: where, rule: 'decompression-bomb', message: `${e.uncompressedSize} bytes from ${e.compressedSize} (ratio over ${limits.maxRatio}); not read` });
      continue;
    }
    if (NESTED.test(w.name)) { contents.nested.push({ name: w.name, entry: e }); continue; }
    try {
      contents.entries.set(w.name, await readEntry(zip, e, e.uncompressedSize));
    } catch (err) {
      problems.push({ location: where, rule: 'java-archive', message: (err as Error).message });
    }
  }
  const overlapCount = overlapping.size;
  if (overlapCount) {
    problems.push({ location, rule: 'overlapping-entries', count: overlapCount, message: `${overlapCount} entr${overlapCount === 1 ? 'y overlaps' : 'ies overlap'} earlier ones (a non-recursive zip bomb); skipped${overlapNames.length ? `: ${some(overlapNames)}` : ''}` });
  }
  return contents;
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

/**
 * Walks an archive and its nested archives, one nested archive in memory at a time. Never throws:
 * unreadable parts and limits become problems. `budget` is shared by everything nested in the
 * first archive.
 */
export async function scanJavaArchive(
  buf: Buffer,
  location: string,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  depth = 0,
  budget: Budget = new Budget(limits),
): Promise<{ coordinates: JavaCoordinate[]; problems: ArchiveProblem[] }> {
  const coordinates: JavaCoordinate[] = [];
  const problems: ArchiveProblem[] = [];
  let zip: ZipContents;
  try {
    zip = await readZip(buf, location, limits, budget, depth, problems);
  } catch (e) {
    problems.push({ location, rule: 'java-archive', message: `not a readable zip archive: ${(e as Error).message}` });
    return { coordinates, problems };
  }
  try {
    let found = false;
    for (const [name, data] of zip.entries) {
      if (!name.endsWith('pom.properties')) continue;
      const p = parseProperties(data.toString('utf8'));
      if (p.groupId && p.artifactId && p.version) {
        coordinates.push({ group: p.groupId, artifact: p.artifactId, version: p.version, location, from: 'pom.properties' });
        found = true;
      } else problems.push({ location: `${location}!/${name}`, rule: 'java-archive', message: 'pom.properties lacks groupId, artifactId or version' });
    }
    const mf = zip.entries.get('META-INF/MANIFEST.MF');
    if (!found && mf) {
      const c = manifestCoordinate(parseManifest(mf.toString('utf8')));
      if (c) coordinates.push({ ...c, location, from: 'MANIFEST.MF' });
    }
    const skippedNested: string[] = [];
    for (const { name, entry } of zip.nested) {
      if (budget.stopped) break;
      const size = entry.uncompressedSize;
      // a stored nested archive (Spring Boot's BOOT-INF/lib) is a view of these bytes: no copy, no
      // inflating, so it takes nothing from the nested budget; an inflated one is held while read
      let data: Buffer | null = storedView(buf, entry);
      if (!data && !budget.nested(size)) {
        skippedNested.push(name);
        continue;
      }
      try {
        data ??= await readEntry(zip.zip, entry, size);
      } catch (e) {
        problems.push({ location: `${location}!/${name}`, rule: 'java-archive', message: (e as Error).message });
        continue;
      }
      const r = await scanJavaArchive(data, `${location}!/${name}`, limits, depth + 1, budget);
      coordinates.push(...r.coordinates);
      problems.push(...r.problems);
    }
    if (skippedNested.length) {
      problems.push({ location, rule: 'nested-too-large', count: skippedNested.length, message: `${some(skippedNested)}: nested archives past ${limits.maxNestedBytes} bytes read from this file; not read` });
    }
  } finally {
    zip.zip.close();
  }
  return { coordinates, problems };
}
