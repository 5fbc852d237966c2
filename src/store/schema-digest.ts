/** Table types of scheduled reports (issue 19, migration 0013_digest_01_report_schedules). */
export interface ReportScheduleTable {
  id: string;
  account_id: string;
  name: string;
  /** JSON: { daily: { startTime } } | { weekly: { days, startTime } } */
  schedule: string;
  /** JSON array of e-mail addresses */
  recipients: string;
  /** an event destination (webhook) the digest is POSTed to */
  destination_id: string | null;
  /** ENABLED | DISABLED */
  status: string;
  next_run_at: string | null;
  /** the end of the last run's period */
  last_run_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ReportRunTable {
  id: string;
  schedule_id: string;
  account_id: string;
  /** schedule | api */
  trigger: string;
  /** QUEUED | SENT | FAILED */
  status: string;
  period_from: string;
  period_to: string;
  attempts: number;
  error: string | null;
  /** JSON: totals and delivery outcome */
  summary: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface DigestTables {
  report_schedules: ReportScheduleTable;
  report_runs: ReportRunTable;
}
