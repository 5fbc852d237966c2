/**
 * Podfile.lock parser (YAML written by `pod install`; https://guides.cocoapods.org/using/using-cocoapods.html#what-is-podfilelock).
 * `PODS` lists every installed pod as "Name (version)", or a one-key mapping from that string to
 * its dependencies; subspecs are "Pod/Subspec (version)". `EXTERNAL SOURCES` maps pods taken from
 * `:git`, `:path` or `:podspec` instead of a spec repo; `CHECKOUT OPTIONS` gives their commit.
 * Pure: text in, entries out.
 */
import { VigilError } from '../../../model/errors.ts';
import { parseYaml } from '../../../model/yaml.ts';
import { isObj, parseError, type EntryProblem, type LockEntry, type LockParse, type NonRegistrySource } from '../../lockfile.ts';

const POD = /^([^\s()/]{1,200})(?:\/[^\s()]{1,200})? \(([^\s()]{1,100})\)$/;

/** @throws VigilError rule "parse-error" (or "nesting-depth") when the text is not a Podfile.lock */
export function parsePodfileLock(text: string, path: string): LockParse {
  let doc: unknown;
  try {
    doc = parseYaml(text, path, { maxAliasCount: 100 }).value;
  } catch (e) {
    if (e instanceof VigilError && e.rule === 'nesting-depth') throw e;
    throw parseError(path, `not a Podfile.lock: ${(e as Error).message.replace(`${path}: `, '')}`, e);
  }
  if (!isObj(doc) || !Array.isArray(doc.PODS)) throw parseError(path, 'not a Podfile.lock: no "PODS" list');
  const problems: EntryProblem[] = [];
  const external = isObj(doc['EXTERNAL SOURCES']) ? doc['EXTERNAL SOURCES'] : {};
  const checkout = isObj(doc['CHECKOUT OPTIONS']) ? doc['CHECKOUT OPTIONS'] : {};
  const sourceOf = (pod: string): NonRegistrySource | undefined => {
    const ext = external[pod];
    if (!isObj(ext)) return undefined;
    const co = isObj(checkout[pod]) ? checkout[pod] : {};
    const s = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const git = s(co[':git']) ?? s(ext[':git']);
    if (git) return { kind: 'git', where: git, ref: s(co[':commit']) ?? s(ext[':commit']) ?? s(ext[':tag']) ?? s(ext[':branch']) };
    const p = s(ext[':path']);
    if (p) return { kind: 'path', where: p };
    const spec = s(ext[':podspec']);
    if (spec) return /^[a-z]+:\/\//i.test(spec) ? { kind: 'url', where: spec } : { kind: 'path', where: spec };
    return { kind: 'url', where: 'external' };
  };
  const entries: LockEntry[] = [];
  doc.PODS.forEach((item, i) => {
    const spec = typeof item === 'string' ? item : isObj(item) && Object.keys(item).length === 1 ? Object.keys(item)[0] : undefined;
    if (spec === undefined) { problems.push({ rule: 'pod-entry', message: `${path}: PODS[${i}]: not "Name (version)" or a one-key mapping; entry skipped` }); return; }
    const m = POD.exec(spec);
    if (!m) { problems.push({ rule: 'pod-entry', message: `${path}: PODS[${i}]: ${JSON.stringify(spec.slice(0, 200))} is not "Name (version)"; entry skipped` }); return; }
    // a subspec ("Firebase/Core") is part of its pod: one package per pod and version
    entries.push({ name: m[1], version: m[2], source: sourceOf(m[1]) });
  });
  return { entries, problems };
}
