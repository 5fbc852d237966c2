/**
 * runtime/java: a Java runtime's launcher (`<java.home>/bin/java`), its version read from the
 * launcher's own bytes — the build writes `"openjdk\0java\0<dot version>\0<full version>\0"`
 * (FULL_VERSION: "17.0.15+6-Debian-1deb12u1", "25.0.3+9-LTS") — and, when the launcher has none,
 * from the `release` file of the JDK/JRE directory (JAVA_RUNTIME_VERSION, else JAVA_VERSION).
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { baseOf, besideParent, binaryWithSidecar, dirOf, runtimePackage } from '../package.ts';
import { probeFirst, type Probe } from '../probe.ts';

const NAME = 'runtime/java';
const LAUNCHER = /(?:^|\/)bin\/java(?:\.exe)?$/;
/** The `release` file is small; kept so that image sources can serve it to the launcher's extract. */
const MAX_RELEASE_BYTES = 64 * 1024;

/** The launcher's product, dot version and full version strings (Syft's java-binary classifiers read the same). */
export const JAVA_VERSION: Probe = { anchor: '\0java\0', before: 16, after: 96, re: /(?:openjdk|java)\x00java\x00\d[\d.]*\x00(\d[^\x00\s]{0,80})\x00/ };

/** `KEY="value"` lines of a JDK `release` file (https://openjdk.org/jeps/9999 never specified it: the build writes it). */
export function parseRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Z][A-Z0-9_]*)=(?:"([^"]*)"|(\S*))\s*$/.exec(line);
    if (m) out[m[1]] = m[2] ?? m[3];
  }
  return out;
}

export const javaExtractor: Extractor = {
  name: NAME,
  version: 1,
  fileRequired: binaryWithSidecar(LAUNCHER, ['java', 'java.exe'], 'release', MAX_RELEASE_BYTES),
  async extract(file: ScanFile, ctx: ExtractContext): Promise<Package[]> {
    const path = file.info.path;
    if (!LAUNCHER.test(path)) return []; // a release file: read beside its launcher
    let version = await probeFirst(file, JAVA_VERSION);
    if (!version) {
      // <home>/bin/java reads <home>/release; a Java 8 JDK's jre/bin/java, the JDK's
      const home = dirOf(dirOf(path));
      for (const at of [besideParent(dirOf(path), 'release'), ...(baseOf(home) === 'jre' ? [besideParent(home, 'release')] : [])]) {
        const buf = await ctx.readFile(at);
        if (!buf) continue;
        const r = parseRelease(buf.toString('utf8'));
        version = r.JAVA_RUNTIME_VERSION || r.JAVA_VERSION || undefined;
        if (version) break;
      }
    }
    // a `java` script or a launcher of another build that says nothing
    return version ? [runtimePackage('java', version, path, NAME)] : [];
  },
};
