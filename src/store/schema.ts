/** Table types of Vigil's database, shared by SQLite and PostgreSQL. */
import type { Generated } from 'kysely';
import type { FindingsDatabase } from './schema-findings.ts';
import type { TenancyTables } from './schema-tenancy.ts';
import type { QueueTables } from './schema-queue.ts';
import type { EngineTables } from './schema-engine.ts';
import type { CisTables, EventTables } from './schema-cis.ts';
import type { GateTables } from './schema-gate.ts';
import type { DigestTables } from './schema-digest.ts';
import type { WorkloadTables } from './schema-workloads.ts';

export interface VulnRecordTable {
  id: string;
  /** the source key ("osv:Go/all.zip") that last wrote it */
  source: string;
  format: string;
  modified: string;
  published: string | null;
  withdrawn: string | null;
  summary: string | null;
  /** sha256 of `json`, to tell unchanged records on re-import */
  hash: string;
  json: string;
  imported_at: string;
}

export interface VulnAffectedTable {
  record_id: string;
  ecosystem: string;
  /** ecosystem without its release suffix ("Debian" for "Debian:11") */
  ecosystem_base: string;
  /** normalized (see model/names.ts) */
  name: string;
  /** JSON: the record with only this package's affected entries */
  slim: string;
}

export interface VulnAliasTable {
  record_id: string;
  alias: string;
  /** alias | upstream | related */
  kind: string;
}

export interface VulnGroupTable {
  member: string;
  group_id: string;
}

export interface CveEnrichmentTable {
  cve: string;
  data: string;
  hash: string;
  kev: number;
  cvss_score: number | null;
  epss: number | null;
  updated_at: string;
}

export interface SourceTable {
  key: string;
  format: string;
  location: string;
  kind: string;
  last_imported_at: string;
  data_date: string | null;
  record_count: number;
  invalid_count: number;
  etag: string | null;
  last_modified: string | null;
  meta: string | null;
}

export interface ImportRunTable {
  id: Generated<number>;
  started_at: string;
  finished_at: string | null;
  status: string;
  inputs: string;
  stats: string | null;
}

export interface ImportErrorTable {
  run_id: number;
  source: string;
  input: string;
  rule: string;
  message: string;
}

export interface ChangeSetTable {
  id: number;
  created_at: string;
  added: number;
  modified: number;
  withdrawn: number;
  enriched: number;
}

export interface ChangeSetRecordTable {
  change_set_id: number;
  record_id: string;
  change: string;
}

/** The alias groups (finding vulnerability ids) a change set touches: see vulndb/import.ts. */
export interface ChangeSetGroupTable {
  change_set_id: number;
  group_id: string;
}

export interface ChangeSetPackageTable {
  change_set_id: number;
  ecosystem: string;
  name: string;
}

export interface Database extends TenancyTables, FindingsDatabase, QueueTables, EngineTables, CisTables, EventTables, GateTables, DigestTables, WorkloadTables {
  vuln_records: VulnRecordTable;
  vuln_affected: VulnAffectedTable;
  vuln_aliases: VulnAliasTable;
  vuln_groups: VulnGroupTable;
  cve_enrichment: CveEnrichmentTable;
  sources: SourceTable;
  import_runs: ImportRunTable;
  import_errors: ImportErrorTable;
  change_sets: ChangeSetTable;
  change_set_records: ChangeSetRecordTable;
  change_set_packages: ChangeSetPackageTable;
  change_set_groups: ChangeSetGroupTable;
}
