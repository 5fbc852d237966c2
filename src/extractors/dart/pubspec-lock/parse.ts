/**
 * pubspec.lock parser (YAML written by `dart pub get` / `flutter pub get`;
 * https://dart.dev/tools/pub/glossary#lockfile, https://dart.dev/tools/pub/dependencies).
 * `packages.<name>` has `dependency` ("direct main", "direct dev", "direct overridden",
 * "transitive"), `source` (hosted, git, path, sdk), `description` and `version`.
 * Pure: text in, entries out.
 */
import { VigilError } from '../../../model/errors.ts';
import { parseYaml } from '../../../model/yaml.ts';
import { isObj, parseError, type EntryProblem, type LockEntry, type LockParse } from '../../lockfile.ts';

/** A Dart package name (https://dart.dev/tools/pub/pubspec#name), loosely: identifier characters. */
const PUB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** @throws VigilError rule "parse-error" (or "nesting-depth") when the text is not a pubspec.lock */
export function parsePubspecLock(text: string, path: string): LockParse {
  let doc: unknown;
  try {
    doc = parseYaml(text, path, { maxAliasCount: 100 }).value;
  } catch (e) {
    if (e instanceof VigilError && e.rule === 'nesting-depth') throw e;
    throw parseError(path, `not a pubspec.lock: ${(e as Error).message.replace(`${path}: `, '')}`, e);
  }
  if (!isObj(doc) || !('packages' in doc)) throw parseError(path, 'not a pubspec.lock: no top-level "packages" mapping');
  const entries: LockEntry[] = [];
  const problems: EntryProblem[] = [];
  if (doc.packages === null || doc.packages === undefined) return { entries, problems }; // a project without dependencies
  if (!isObj(doc.packages)) throw parseError(path, 'not a pubspec.lock: "packages" is not a mapping');
  for (const [name, e] of Object.entries(doc.packages)) {
    const bad = (why: string) => problems.push({ rule: 'pub-lock-entry', message: `${path}: packages.${name}: ${why}; entry skipped` });
    if (!PUB_NAME.test(name)) { bad('not a Dart package name'); continue; }
    if (!isObj(e)) { bad('not a mapping'); continue; }
    if (typeof e.version !== 'string' || !e.version) { bad('no "version" string'); continue; }
    const source = typeof e.source === 'string' ? e.source : '';
    const desc = e.description;
    const d = isObj(desc) ? desc : {};
    const out: LockEntry = { name, version: e.version };
    if (e.dependency === 'direct dev') out.dev = true;
    switch (source) {
      case 'hosted':
        break;
      case 'git': {
        const url = typeof d.url === 'string' ? d.url : '';
        if (!url) { bad('git source without description.url'); continue; }
        const ref = typeof d['resolved-ref'] === 'string' ? d['resolved-ref'] : typeof d.ref === 'string' ? d.ref : undefined;
        out.source = { kind: 'git', where: url, ref };
        break;
      }
      case 'path':
        out.source = { kind: 'path', where: typeof d.path === 'string' ? d.path : name };
        break;
      case 'sdk':
        // description is the SDK's name ("flutter"); these packages ship inside the SDK
        out.source = { kind: 'sdk', where: typeof desc === 'string' ? desc : 'unknown' };
        break;
      default:
        bad(`unknown source ${JSON.stringify(e.source)} (expected hosted, git, path or sdk)`);
        continue;
    }
    entries.push(out);
  }
  return { entries, problems };
}
