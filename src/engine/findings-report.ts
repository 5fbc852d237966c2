/**
 * Findings reports (issue 19, Amazon Inspector's CreateFindingsReport): the findings a filter
 * selects, as CSV, JSON or OCSF, written asynchronously to a directory, an S3 bucket, or (without a
 * destination) a blob of the report's account downloadable like an SBOM export.
 *
 * A report is a row of `findings_reports` (QUEUED → IN_PROGRESS → SUCCEEDED | FAILED) and a job
 * (`engine-findings-report`). The filter is resolved when the report is asked for (the accounts in
 * the caller's sight then, aliases to alias groups; server/findings/filter.ts) and stored; the job
 * pages through it with the same query as GET /v1/findings (500 at a time, never the whole set in
 * memory) and streams the pages to the destination.
 *
 * Formats (the same as GET /v1/findings/export for csv and json):
 * - csv: the export's columns (server/routes/finding-views.ts CSV_COLUMNS), CRLF, a header line;
 * - json: one array of FindingSummary, as GET /v1/findings lists them;
 * - ocsf: JSON Lines, one OCSF 1.8.0 Vulnerability Finding (class 2002) per line (toOcsf);
 * - asff: one JSON document `{"Findings": [...]}` of AWS Security Finding Format findings (toAsff),
 *   the shape of Security Hub's BatchImportFindings request body (which takes 100 at a time: a loader
 *   sends the array in slices). Needs the Security Hub account and region (`aws`), kept with the request.
 *
 * Reports expire like SBOM exports, {@link FINDINGS_REPORT_TTL_MS} after they were asked for (the
 * row, and the blob when there is one; what was written to a destination stays).
 *
 * The paging query is the API's own (findings/query.ts, which depends only on model/ and
 * store/): the report must be exactly what the API answers for the filter.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { toFindingSummary } from '../findings/view.ts';
import { toAsff, toOcsf, type AsffContext, type FindingView } from '../integrations/formats/index.ts';
import { VigilError } from '../model/errors.ts';
import type { TargetPolicy } from '../policy/index.ts';
import { CSV_COLUMNS, csvLine } from '../findings/csv.ts';
import { listFindings, type FindingFilter } from '../findings/query.ts';
import type { Database, Store } from '../store/index.ts';
import { openDestination, sealDestination, writeObject, type Destination } from './destinations.ts';
import { storeBlob } from './sources.ts';

export const FINDINGS_REPORT_FORMATS = ['csv', 'json', 'ocsf', 'asff'] as const;
export type FindingsReportFormat = (typeof FINDINGS_REPORT_FORMATS)[number];
export const FINDINGS_REPORT_STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED'] as const;
/** How long a report (its status and its blob) is kept after it was asked for. */
export const FINDINGS_REPORT_TTL_MS = 7 * 86_400_000;
/** findings per page read from the store */
const PAGE = 500;
const VIGIL_VERSION = '0.1.0';

export type FindingsReportRow = Selectable<Database['findings_reports']>;

export const REPORT_MEDIA_TYPE: Record<FindingsReportFormat, string> = {
  csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8', ocsf: 'application/x-ndjson; charset=utf-8', asff: 'application/json; charset=utf-8',
};

/** What an ASFF report needs to name its findings' Security Hub account, region and product. */
export type ReportAws = AsffContext['aws'];

/** The report's file (directory) or object (S3, after the prefix) name. */
export function reportFileName(id: string, format: FindingsReportFormat): string {
  return `vigil-findings-report-${id}.${format === 'ocsf' ? 'ocsf.jsonl' : format === 'asff' ? 'asff.json' : format}`;
}

export interface CreateFindingsReportInput {
  accountId: string;
  format: FindingsReportFormat;
  /** the filter resolved for the caller (findingFilterOf) */
  filter: FindingFilter;
  /** what was asked (the filter as given), for the status view */
  request: Record<string, unknown>;
  /** checked by the caller (checkDestination) */
  destination?: Destination;
}

/** Records a QUEUED report (the caller queues its job). */
export async function createFindingsReport(store: Store, input: CreateFindingsReportInput, now: Date): Promise<FindingsReportRow> {
  const id = `fr-${randomUUID()}`;
  const row: FindingsReportRow = {
    id, account_id: input.accountId, format: input.format, status: 'QUEUED', request: JSON.stringify(input.request), filter: JSON.stringify(input.filter),
    destination: input.destination ? await sealDestination(store, id, input.destination) : null,
    findings: null, location: null, error: null, blob_digest: null, size: null,
    created_at: now.toISOString(), started_at: null, completed_at: null, expires_at: new Date(now.getTime() + FINDINGS_REPORT_TTL_MS).toISOString(),
  };
  await store.db.insertInto('findings_reports').values(row).execute();
  return row;
}

export async function getFindingsReport(store: Store, id: string): Promise<FindingsReportRow | undefined> {
  return store.db.selectFrom('findings_reports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The reports of these accounts, newest first (at most `limit`). */
export async function listFindingsReports(store: Store, accountIds: readonly string[], limit: number): Promise<FindingsReportRow[]> {
  if (accountIds.length === 0) return [];
  return store.db.selectFrom('findings_reports').selectAll().where('account_id', 'in', [...accountIds])
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * The report's text, page by page: the filter's findings in the API's order (severity), as the
 * format writes them. `count.n` is the number of findings written.
 */
export async function* reportChunks(store: Store, filter: FindingFilter, format: FindingsReportFormat, count: { n: number } = { n: 0 }, opts: { aws?: ReportAws } = {}): AsyncGenerator<string> {
  if (format === 'asff' && !opts.aws) throw new VigilError('VIGIL_INVALID_INPUT', 'an ASFF findings report needs aws.accountId and aws.region', { input: 'aws', rule: 'asff-needs-aws' });
  if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
  if (format === 'json') yield '[';
  if (format === 'asff') yield '{"Findings":[';
  let cursor: string | undefined;
  do {
    const page = await listFindings(store, filter, { sort: 'severity', limit: PAGE, ...(cursor ? { cursor } : {}) });
    const items = page.items.map((f) => toFindingSummary(f, f.resource));
    if (items.length) {
      const sep = (i: number) => (count.n + i === 0 ? '' : ',');
      if (format === 'csv') yield items.map(csvLine).join('');
      else if (format === 'json') yield items.map((f, i) => `${sep(i)}\n${JSON.stringify(f)}`).join('');
      else {
        // OCSF and ASFF need each finding's details, which list pages leave out: one query per page
        const rows = await store.db.selectFrom('findings').select(['id', 'details']).where('id', 'in', items.map((f) => f.id)).execute();
        const details = new Map(rows.map((r) => [r.id, JSON.parse(r.details) as unknown]));
        const views = items.map((f) => ({ ...f, details: details.get(f.id) ?? {} }) as unknown as FindingView);
        if (format === 'ocsf') yield views.map((f) => `${JSON.stringify(toOcsf(f, { vigilVersion: VIGIL_VERSION }))}\n`).join('');
        else yield views.map((f, i) => `${sep(i)}\n${JSON.stringify(toAsff(f, { vigilVersion: VIGIL_VERSION, aws: opts.aws! }))}`).join('');
      }
      count.n += items.length;
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  if (format === 'json') yield '\n]\n';
  if (format === 'asff') yield '\n]}\n';
}

/**
 * Runs a report (the job's handler): streams it to its destination (or into a blob), then
 * SUCCEEDED with the count, size and location. Idempotent: a finished report is left alone; a rerun
 * writes the report again (the same name: an object or file replaced).
 */
export async function runFindingsReport(store: Store, id: string, now: Date, policy: TargetPolicy): Promise<FindingsReportRow | undefined> {
  const row = await getFindingsReport(store, id);
  if (!row || row.status === 'SUCCEEDED' || row.status === 'FAILED') return row;
  await store.db.updateTable('findings_reports').set({ status: 'IN_PROGRESS', started_at: now.toISOString() }).where('id', '=', id).execute();
  const format = row.format as FindingsReportFormat;
  const filter = JSON.parse(row.filter) as FindingFilter;
  const count = { n: 0 };
  const { aws } = JSON.parse(row.request) as { aws?: ReportAws };
  const chunks = reportChunks(store, filter, format, count, aws ? { aws } : {});
  if (row.destination) {
    const out = await writeObject(policy, openDestination(store, id, row.destination), reportFileName(id, format), REPORT_MEDIA_TYPE[format], chunks);
    await store.db.updateTable('findings_reports').set({ status: 'SUCCEEDED', findings: count.n, location: out.location, size: out.size, completed_at: now.toISOString(), error: null }).where('id', '=', id).execute();
  } else {
    // a blob is one row: the report is gathered here (the download is as large as the report anyway)
    const parts: Buffer[] = [];
    for await (const c of chunks) parts.push(Buffer.from(c, 'utf8'));
    const data = Buffer.concat(parts);
    const digest = await storeBlob(store, row.account_id, data, REPORT_MEDIA_TYPE[format], now);
    await store.db.updateTable('findings_reports').set({ status: 'SUCCEEDED', findings: count.n, blob_digest: digest, size: data.length, completed_at: now.toISOString(), error: null }).where('id', '=', id).execute();
  }
  return getFindingsReport(store, id);
}

/** Marks a report FAILED with a message (its job gave up). */
export async function failFindingsReport(store: Store, id: string, message: string, now: Date): Promise<void> {
  await store.db.updateTable('findings_reports').set({ status: 'FAILED', error: message.slice(0, 2000), completed_at: now.toISOString() })
    .where('id', '=', id).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).execute();
}

/** Deletes the reports past their expiry (their blobs go with the next collection). */
export async function expireFindingsReports(store: Store, now: Date): Promise<number> {
  const r = await store.db.deleteFrom('findings_reports').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The stored report of a SUCCEEDED report without a destination. */
export async function findingsReportBlob(store: Store, row: FindingsReportRow): Promise<Buffer | null> {
  if (!row.blob_digest) return null;
  const b = await store.db.selectFrom('blobs').select('data').where('account_id', '=', row.account_id).where('digest', '=', row.blob_digest).executeTakeFirst();
  return b ? Buffer.from(b.data) : null;
}

/** @throws VigilError when a stored format is unknown (a row written by a newer version) */
export function reportFormatOf(row: FindingsReportRow): FindingsReportFormat {
  if (!(FINDINGS_REPORT_FORMATS as readonly string[]).includes(row.format)) throw new VigilError('VIGIL_INVALID_INPUT', `findings report ${row.id}: unknown format ${row.format}`, { input: row.id, rule: 'format' });
  return row.format as FindingsReportFormat;
}
