/** Table types of the "findings" area: resources, their packages, findings, rules, events, snapshots. */
import type { Generated } from 'kysely';

export interface ResourceTable {
  id: string;
  account_id: string;
  /** image | host | function | repository | rootfs */
  type: string;
  /** the stable name across versions: an image repository, a host name, a function name, a repo URL */
  name: string;
  /** what the user named: "registry/app:1.2", a host address, a path */
  ref: string | null;
  /** image manifest digest, commit, archive sha256 */
  digest: string | null;
  /** JSON string[]: image tags and key=value labels */
  tags: string;
  /** ACTIVE | INACTIVE */
  coverage_status: string;
  coverage_reason: string | null;
  last_scanned_at: string | null;
  created_at: string;
  updated_at: string;
  /** the engine target (registry, host, …) that discovered it; null for resources recorded directly */
  target_id: Generated<string | null>;
  /** images: when the digest was first pushed (or discovered), and last pulled (registry events) */
  pushed_at: Generated<string | null>;
  last_pulled_at: Generated<string | null>;
  /** images (issue 19): containers running it in the latest workload snapshots, and when one last ran */
  running_containers: Generated<number>;
  last_in_use_at: Generated<string | null>;
  /** JSON object: host OS, listening sockets, agent info, scan mode, … */
  attributes: Generated<string>;
}

export interface ResourcePackageTable {
  resource_id: string;
  ecosystem: string;
  /** normalized (see model/names.ts) */
  name: string;
  /**
   * the normalized name matching searches the package by (the source package for Debian/Ubuntu/
   * Alpine, else the name); null when matching never searches it (owned by an OS package, no version)
   */
  search_name: string | null;
  version: string;
  purl: string | null;
  /** the first of the package's locations */
  location: string;
  /**
   * JSON array of every location (sorted), when the package has more than one (issue 20: a lockfile
   * and the installed tree of one install); null otherwise (migration 0012_findings_01_package_locations)
   */
  locations: string | null;
  /** JSON LayerRef or null */
  layer: string | null;
  source_name: string | null;
  source_version: string | null;
  owned_by: string | null;
}

export interface FindingTable {
  id: string;
  finding_key: string;
  account_id: string;
  resource_id: string;
  /** vulnerability | malicious */
  type: string;
  /** the alias group id */
  vulnerability_id: string;
  /** the advisory record that matched */
  advisory_id: string;
  package_ecosystem: string;
  package_name: string;
  package_version: string;
  package_purl: string | null;
  package_location: string;
  /**
   * (issue 20) package findings: JSON array of every location (sorted) when there is more than one
   * (a lockfile and its node_modules, two projects); null otherwise — package_location is the first
   */
  package_locations: string | null;
  /** the digest of the layer that brought the package, if known */
  package_layer: string | null;
  severity: string;
  score: number | null;
  fix_available: number;
  fixed_version: string | null;
  exploit_available: number;
  /** ACTIVE | SUPPRESSED | CLOSED */
  status: string;
  suppressed_by: string | null;
  first_observed_at: string;
  last_observed_at: string;
  updated_at: string;
  closed_at: string | null;
  /** JSON: explanation, aliases, advisories, cvss, summary */
  details: string;
  /** sha256 of details */
  details_hash: string;
  /**
   * sha256 of everything a finding's state is made of apart from its account, resource and
   * status: type, vulnerability, advisory, package (ecosystem, name, version, purl, location,
   * layer), severity, score, fix, exploit and details_hash. Equal on every resource that has the
   * same package, so a rematch compares state per (package, hash) group instead of per finding
   * (findings/rematch.ts); '' on findings written before migration 0004_findings_02.
   */
  state_hash: string;
  /**
   * what lists show: the advisory summary when there is one, else "<vulnerability_id> - <package_name>"
   * (see findings/lifecycle.ts titleOf); migration 0008_findings_01 filled it for older rows
   */
  title: string;
  /**
   * YES | NO | PARTIAL: of the matches folded into the finding (its installed versions at the
   * location, the advisories of its alias group), all, none or only some have a fixed version
   */
  fix_availability: string;
  /**
   * issue 16 (Vigil score): the EPSS probability (0–1) of the finding's vulnerability (its CVEs'
   * highest percentile's), null when none is known; details.scoring has the percentile and date
   * (migration 0009_findings_01_epss)
   */
  epss: number | null;
}

export interface SuppressionRuleTable {
  id: string;
  account_id: string;
  name: string;
  reason: string;
  /** JSON SuppressionCriteria */
  criteria: string;
  expires_at: string | null;
  created_at: string;
}

export interface EventTable {
  id: Generated<number>;
  /** finding.created | finding.updated | finding.closed | scan.completed | coverage.changed */
  type: string;
  account_id: string;
  resource_id: string | null;
  payload: string;
  created_at: string;
}

export interface FindingSnapshotTable {
  /** YYYY-MM-DD */
  day: string;
  account_id: string;
  severity: string;
  status: string;
  count: number;
}

/** The findings area's part of {@link Database}. */
export interface FindingsDatabase {
  resources: ResourceTable;
  resource_packages: ResourcePackageTable;
  findings: FindingTable;
  suppression_rules: SuppressionRuleTable;
  events: EventTable;
  finding_snapshots: FindingSnapshotTable;
}
