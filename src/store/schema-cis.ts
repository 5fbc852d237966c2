/**
 * Table types of CIS benchmark scans (issue 18, engine/cis.ts) and of key/value resource tags
 * (engine/resource-tags.ts), which CIS scan configurations target.
 */

/** Key/value tags of a resource: set through the API (`source` "api") or reported by its agent ("agent"). */
export interface ResourceTagTable {
  resource_id: string;
  account_id: string;
  key: string;
  value: string;
  /** api | agent: an agent's report replaces its own tags only */
  source: string;
  updated_at: string;
}

/** A CIS scan configuration: what to assess (accounts, tags, resource types), at which level, when. */
export interface CisScanConfigTable {
  id: string;
  /** the owner: who created it (a delegated admin's configurations may target member accounts) */
  account_id: string;
  name: string;
  /** 1 | 2 (Level 2 includes Level 1) */
  level: number;
  /** JSON: engine/cis-schedule.ts Schedule */
  schedule: string;
  /** JSON: {accountIds, resourceTags?, resourceTypes} */
  targets: string;
  /** ACTIVE | DONE (a one-time configuration after its run) */
  status: string;
  next_run_at: string | null;
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One run of a configuration (or an on-demand run). */
export interface CisScanTable {
  id: string;
  config_id: string;
  /** the configuration's owner */
  account_id: string;
  name: string;
  level: number;
  /** IN_PROGRESS | COMPLETED | CANCELLED | FAILED */
  status: string;
  /** schedule | api */
  scheduled_by: string;
  /** the time the schedule said (or the request's time) */
  scan_date: string;
  completed_at: string | null;
  targets_total: number;
  targets_done: number;
  /** checks over all targets by status */
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  manual: number;
}

/** A scan's target: one resource, its benchmark, its state and counts. */
export interface CisScanTargetTable {
  scan_id: string;
  resource_id: string;
  account_id: string;
  resource_type: string;
  resource_name: string;
  benchmark_id: string | null;
  /** QUEUED | IN_PROGRESS | COMPLETED | SKIPPED | FAILED | CANCELLED */
  status: string;
  /** why SKIPPED or FAILED: UNSUPPORTED_OS, NO_AGENT_RESULT, STALE_AGENT_RESULT, UNREACHABLE, SCAN_FAILED, RESOURCE_GONE, … */
  reason: string | null;
  message: string | null;
  /** when what was assessed was read (an agent host: its report's time) */
  collected_at: string | null;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  manual: number;
  started_at: string | null;
  completed_at: string | null;
}

/** A check's result on one target of one scan. */
export interface CisCheckResultTable {
  scan_id: string;
  resource_id: string;
  account_id: string;
  check_id: string;
  title: string;
  level: number;
  /** PASS | FAIL | NOT_APPLICABLE | ERROR | MANUAL */
  status: string;
  /** JSON Evidence[] */
  evidence: string;
}

/** The latest CIS assessment an agent made of its host (Level 2: it holds Level 1), evaluated there. */
export interface CisAgentResultTable {
  resource_id: string;
  account_id: string;
  benchmark_id: string;
  collected_at: string;
  /** JSON BenchmarkResult */
  result: string;
}

export interface CisTables {
  resource_tags: ResourceTagTable;
  cis_scan_configs: CisScanConfigTable;
  cis_scans: CisScanTable;
  cis_scan_targets: CisScanTargetTable;
  cis_check_results: CisCheckResultTable;
  cis_agent_results: CisAgentResultTable;
}

/**
 * Event destinations (issue 19, engine/delivery.ts): where an account's events are pushed, with
 * filters; `cursor` is the last event id considered (events are an outbox: ids only grow).
 */
export interface EventDestinationTable {
  id: string;
  account_id: string;
  name: string;
  /** webhook | slack | teams | jira */
  kind: string;
  url: string;
  /** JSON: format and options; its secret (`webhookSecret`, Jira's `password`) sealed under "$sealed" */
  config: string;
  /** JSON: eventTypes, severities, findingTypes, resourceTypes, resourceTags */
  filters: string;
  /** ENABLED | DISABLED */
  status: string;
  cursor: number;
  created_at: string;
  updated_at: string;
}

/** One event's delivery to one destination: its attempts and outcome (the delivery log and dead letters). */
export interface EventDeliveryTable {
  id: string;
  destination_id: string;
  account_id: string;
  event_id: number;
  event_type: string;
  /** PENDING | DELIVERED | DEAD */
  status: string;
  attempts: number;
  /** when the next attempt may run (also the lease of an attempt in flight) */
  next_attempt_at: string;
  last_attempt_at: string | null;
  response_status: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface EventTables {
  event_destinations: EventDestinationTable;
  event_deliveries: EventDeliveryTable;
}
