/**
 * A finding as the API shows it (`GET /v1/findings`, events delivered to destinations, exports):
 * one function of its stored row and its resource, shared by the server and the engine.
 */
import type { Selectable } from 'kysely';
import type { Severity } from '../model/index.ts';
import type { Database } from '../store/index.ts';

/** the stored columns a view reads (the list query leaves out details and hashes) */
export type FindingViewRow = Omit<Selectable<Database['findings']>, 'details' | 'details_hash' | 'state_hash' | 'finding_key'>;
export interface ResourceRef { id: string; type: string; name: string; ref: string | null; digest: string | null }

export function toFindingSummary(r: FindingViewRow, resource: ResourceRef | null | undefined) {
  return {
    id: r.id, accountId: r.account_id,
    resource: resource ?? { id: r.resource_id, type: '', name: '', ref: null, digest: null },
    type: r.type, vulnerabilityId: r.vulnerability_id, advisoryId: r.advisory_id,
    package: {
      ecosystem: r.package_ecosystem, name: r.package_name, version: r.package_version, purl: r.package_purl, location: r.package_location,
      // (issue 20) every file the package was found in (Inspector's filePath list); package findings stored before have one
      locations: r.package_locations ? (JSON.parse(r.package_locations) as string[]) : [r.package_location], layer: r.package_layer,
    },
    severity: r.severity as Severity, score: r.score === null ? null : Number(r.score), epss: r.epss === null || r.epss === undefined ? null : Number(r.epss),
    fixAvailable: Number(r.fix_available) === 1, fixAvailability: r.fix_availability as 'YES' | 'NO' | 'PARTIAL', title: r.title,
    fixedVersion: r.fixed_version, exploitAvailable: Number(r.exploit_available) === 1,
    status: r.status as 'ACTIVE' | 'SUPPRESSED' | 'CLOSED', suppressedBy: r.suppressed_by,
    firstObservedAt: r.first_observed_at, lastObservedAt: r.last_observed_at, updatedAt: r.updated_at, closedAt: r.closed_at,
  };
}

