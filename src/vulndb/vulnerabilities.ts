/**
 * Which vulnerabilities a match of an advisory record stands for. Most records are one
 * vulnerability under several names (GHSA ↔ CVE ↔ PYSEC: `aliases`, grouped in groups.ts). A
 * distribution advisory is not: DSA-5380-1, DLA-3351-1, ALSA-2023:0005, USN-… are *updates* that
 * fix a list of vulnerabilities (CVEs) in one package. A finding is about a vulnerability, so a
 * match of such an advisory yields one finding per vulnerability it fixes, with the advisory as
 * the source (the finding's advisory id, its fixed version) — and the same CVE reached through a
 * DSA, a DLA, an OSV `DEBIAN-CVE-…` record or an upstream advisory folds into one finding
 * (findings/lifecycle.ts folds by vulnerability). See README.md, "Distribution findings by CVE".
 */
import { ecosystemBase, type OsvRecord } from '../model/index.ts';

/**
 * OS ecosystems whose OSV errata name the vulnerabilities they fix in `related`, not in
 * `upstream`: AlmaLinux (AlmaLinux/osv-database: `"related": ["CVE-2022-42920"]` on every ALSA
 * with a CVE; 4,431 of 4,437 ALSA records in ../shared/vulndata). Elsewhere `related` means
 * "related but different" (a Go record's sibling CVE) and is never expanded. Add an ecosystem
 * here only after its records are seen to have this shape.
 */
/**
 * How findings are keyed, stored by the engine (`engine_state.finding_keys`) after the rematch that
 * applied it. A store whose value differs gets one full rematch, which brings every finding to the
 * current keying. Change it whenever {@link fixedVulnerabilities} or the finding key
 * (findings/keys.ts) changes what existing findings are keyed by.
 * - none: findings written before distribution advisories were split by CVE, keyed by the
 *   DSA/DLA/ALSA — the rematch closes the old keys and opens the new;
 * - `fixed-vulnerabilities-1`: package findings keyed by `ecosystem/name@location` — one per
 *   location, so a lockfile and its node_modules gave two findings;
 * - `package-identity-2` (issue 20): keyed by `ecosystem/name`, every location listed in the finding.
 *   The rematch carries each old finding over to its new key (same id and first_observed_at;
 *   findings/lifecycle.ts, applyFindings) and closes the copies that folded into it.
 */
export const FINDING_KEYS = 'package-identity-2';

const RELATED_AS_FIXED = new Set(['AlmaLinux']);
const CVE = /^CVE-\d{4}-\d+$/;

/**
 * The vulnerability ids a record's findings are keyed by (before alias grouping), in the record's
 * order without duplicates; `[]` when the record is itself the vulnerability (findings keyed by
 * the record's own alias group).
 *
 * - `upstream` ids (OSV: "the upstream vulnerabilities this record is derived from"): the CVEs a
 *   DSA/DLA fixes (debian/dsa-list puts them there), the CVE of an `ALPINE-CVE-…` or
 *   `DEBIAN-CVE-…` record.
 * - otherwise, for errata of the ecosystems in `RELATED_AS_FIXED`, the CVE ids in `related`.
 *
 * A record with exactly one such id is already in that id's alias group (groups.ts joins a record
 * to its single upstream), so for it this changes nothing; a record with several is kept out of
 * their groups (a DSA listing 30 CVEs must not make them one vulnerability) and yields one
 * finding per id. Malicious-package records are never expanded.
 */
export function fixedVulnerabilities(record: Pick<OsvRecord, 'id' | 'upstream' | 'related' | 'affected'>): string[] {
  if (record.id.startsWith('MAL-')) return [];
  const out: string[] = [];
  const add = (id: unknown) => {
    if (typeof id === 'string' && id !== '' && id !== record.id && !out.includes(id)) out.push(id);
  };
  for (const id of record.upstream ?? []) add(id);
  if (out.length > 0 || !record.related?.length) return out;
  const affected = record.affected ?? [];
  if (affected.length === 0 || !affected.every((a) => a.package && RELATED_AS_FIXED.has(ecosystemBase(a.package.ecosystem)))) return out;
  for (const id of record.related) if (CVE.test(id)) add(id);
  return out;
}

/**
 * The record as one of its fixed vulnerabilities sees it: `upstream` is that vulnerability alone,
 * so what is derived from the record's CVEs (enrichment CVSS, KEV, EPSS, the finding's aliases)
 * is that CVE's, not the worst of the advisory's list. Shallow: shares everything else.
 */
export function recordForVulnerability(record: OsvRecord, vulnerability: string): OsvRecord {
  return { ...record, upstream: [vulnerability] };
}
