/**
 * runtime/python: a CPython interpreter (`python3.11`) or its shared library (`libpython3.11.so.1.0`,
 * what official images' and pyenv's interpreters link), its version read from its own bytes: the
 * PY_VERSION literal ("3.11.7") that Py_GetVersion prints. The major and minor come from the file
 * name, so only "<X.Y>.<patch>" strings are looked for.
 */
import type { Package } from '../../../model/index.ts';
import type { ExtractContext, Extractor, ScanFile } from '../../types.ts';
import { named } from '../../file-names.ts';
import { baseOf, runtimePackage } from '../package.ts';
import { probeFile, type Probe } from '../probe.ts';

const NAME = 'runtime/python';
/** python3.11, python3.13t, python2.7, python3.11.exe; libpython3.11.so.1.0, libpython3.11d.so, libpython3.12.dylib; python311.dll */
const FILE = /^(?:python(\d)\.(\d+)[dmut]*(?:\.exe)?|libpython(\d)\.(\d+)[dmut]*\.(?:so(?:\.\d+)*|dylib)|python(\d)(\d+)\.dll)$/;
const MIN_BYTES = 4 * 1024;

/** Major and minor from a file name, or undefined when it is no interpreter's. */
export function pythonSeries(base: string): [string, string] | undefined {
  const m = FILE.exec(base);
  if (!m) return undefined;
  return [m[1] ?? m[3] ?? m[5], m[2] ?? m[4] ?? m[6]];
}

/**
 * The PY_VERSION literal of series X.Y: "X.Y.N" with an optional pre-release ("a1", "b2", "rc1")
 * and "+" (a development build), ending in NUL. Normally a string of its own (a NUL before it);
 * a linker that merges string tails may fold it into a longer string ending the same way
 * ("/opt/python/3.11.7"), so any byte but a digit or dot may precede it: the NUL-preceded form wins.
 */
export function pythonProbe(major: string, minor: string): Probe {
  return { anchor: `${major}.${minor}.`, before: 1, after: 16, re: new RegExp(`^([^0-9.])${major}\\.${minor}\\.(\\d+(?:(?:a|b|rc)\\d+)?\\+?)\\x00`) };
}

export const pythonExtractor: Extractor = {
  name: NAME,
  version: 1,
  // the name first: a directory walk reads the size with a stat only when asked (sources/dir)
  fileRequired: named({ prefixes: ['python', 'libpython'] }, (path, info) => FILE.test(baseOf(path)) && info.size >= MIN_BYTES),
  async extract(file: ScanFile, _ctx: ExtractContext): Promise<Package[]> {
    const series = pythonSeries(baseOf(file.info.path));
    if (!series) return [];
    const [major, minor] = series;
    let exact: string | undefined;
    const merged = new Map<string, number>();
    await probeFile(file, pythonProbe(major, minor), (m) => {
      const v = `${major}.${minor}.${m[2]}`;
      if (m[1] === '\0') {
        exact = v;
        return true;
      }
      merged.set(v, (merged.get(v) ?? 0) + 1);
      return false;
    });
    // a launcher linking libpython (pyenv's, a venv's copy) carries no version: its library does
    const version = exact ?? [...merged].sort((a, b) => b[1] - a[1])[0]?.[0];
    return version ? [runtimePackage('python', version, file.info.path, NAME)] : [];
  },
};
