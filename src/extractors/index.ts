/**
 * The extractors Vigil runs, listed explicitly and grouped (no registration by import side effect):
 * "os" (distribution package databases), "language" (lockfiles, manifests, installed metadata,
 * binaries), "runtime" (language runtimes' own binaries: src/extractors/runtime), "all".
 */
import { cppExtractors } from './cpp/index.ts';
import { dartExtractors } from './dart/index.ts';
import { dotnetExtractors } from './dotnet/index.ts';
import { elixirExtractors } from './elixir/index.ts';
import { goExtractors } from './go/index.ts';
import { javaExtractors } from './java/index.ts';
import { javascriptExtractors } from './javascript/index.ts';
import { osExtractors } from './os/index.ts';
import { phpExtractors } from './php/index.ts';
import { pythonExtractors } from './python/index.ts';
import { rubyExtractors } from './ruby/index.ts';
import { runtimeExtractors } from './runtime/index.ts';
import { rustExtractors } from './rust/index.ts';
import { swiftExtractors } from './swift/index.ts';
import type { Extractor } from './types.ts';

export type { Extractor, ExtractContext, OsInfo, ScanFile } from './types.ts';

export const extractorGroups: Readonly<Record<'os' | 'language' | 'runtime' | 'all', readonly Extractor[]>> = (() => {
  const language = [...javascriptExtractors, ...pythonExtractors, ...goExtractors, ...rustExtractors, ...rubyExtractors, ...phpExtractors, ...javaExtractors, ...dotnetExtractors, ...dartExtractors, ...elixirExtractors, ...swiftExtractors, ...cppExtractors];
  // runtimes are a group of their own: their files are large binaries that host deep inspection
  // (which fetches what the language group wants, within a byte budget) and malware scans don't need
  return { os: osExtractors, language, runtime: runtimeExtractors, all: [...osExtractors, ...language, ...runtimeExtractors] };
})();

/**
 * The extractors a scan needs for its scanners: vulnerabilities need every package; malware
 * (MAL-* advisories) needs the language packages only.
 */
export function extractorsFor(scanners: readonly string[]): readonly Extractor[] {
  if (scanners.includes('vuln')) return extractorGroups.all;
  if (scanners.includes('malware')) return extractorGroups.language;
  return [];
}
