/**
 * Wire types of export destinations and findings reports (issue 19; routes/findings-reports.ts,
 * and the SBOM export's `destination`), registered in `apiSchemas` as OpenAPI components.
 */
import { z } from 'zod';
import { FINDINGS_REPORT_FORMATS, FINDINGS_REPORT_STATUSES, SecurityHubTarget, SSE_MODES } from '../engine/index.ts';
import { apiSchemas, FindingFilterFields } from './schemas.ts';

const Id = z.string().min(1).max(100);

const s3Fields = {
  kind: z.literal('s3'),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3–63 lower-case letters, digits, dots and hyphens').describe('the bucket'),
  prefix: z.string().max(900).regex(/^[^\0\r\n]*$/, 'no NUL, CR or LF').optional().describe('prepended to the object name as given (end it with "/" for a folder)'),
  region: z.string().regex(/^[a-z0-9-]{1,50}$/, 'a region such as eu-west-1').describe('the signing region (any for most S3-compatible servers)'),
  endpoint: z.url({ protocol: /^https?$/ }).max(2000).optional().describe('an S3-compatible endpoint (MinIO, Ceph, …); default AWS S3. Reached through the server\'s outgoing-request policy (loopback/private addresses only with --allow-network)'),
  forcePathStyle: z.boolean().optional().describe('https://endpoint/bucket/key instead of https://bucket.endpoint/key'),
  accessKeyId: z.string().min(1).max(128),
  serverSideEncryption: z.enum(SSE_MODES).optional().describe('x-amz-server-side-encryption of the object'),
  kmsKeyId: z.string().min(1).max(2048).optional().describe('with aws:kms: the key (x-amz-server-side-encryption-aws-kms-key-id)'),
};

/** Where an export goes: an S3 bucket, or a directory on the server under --allow-path. */
export const Destination = z.discriminatedUnion('kind', [
  z.strictObject({ ...s3Fields, secretAccessKey: z.string().min(1).max(256).describe('sealed at rest, never answered') }),
  z.strictObject({ kind: z.literal('directory'), path: z.string().min(1).max(4096).describe('an absolute directory on the server, inside one the operator allows (vigil server --allow-path)') }),
]);
/** A destination as answered: no secret. */
export const DestinationView = z.discriminatedUnion('kind', [
  z.object(s3Fields),
  z.object({ kind: z.literal('directory'), path: z.string() }),
]);

export const CreateFindingsReport = z.strictObject({
  filter: FindingFilterFields.optional().describe('the filters of GET /v1/findings, spelled as there (lists as arrays or comma-separated strings, booleans as "true"/"false"); default: ACTIVE findings of every account in your sight'),
  format: z.enum(FINDINGS_REPORT_FORMATS).describe('csv: the columns of GET /v1/findings/export; json: one array of FindingSummary; ocsf: JSON Lines of OCSF 1.8.0 Vulnerability Findings; asff: {"Findings": [...]} of AWS Security Finding Format findings (BatchImportFindings\' body; it takes 100 per call)'),
  aws: SecurityHubTarget.optional().describe('format asff: the Security Hub account and region the findings are for'),
  destination: Destination.optional().describe('without one, the report is kept by the server for 7 days: GET /v1/findings-reports/{id}/download'),
}).superRefine((r, ctx) => {
  if (r.format === 'asff' && !r.aws) ctx.addIssue({ code: 'custom', path: ['aws'], message: 'format asff needs aws.accountId and aws.region' });
  if (r.format !== 'asff' && r.aws) ctx.addIssue({ code: 'custom', path: ['aws'], message: 'aws is for format asff only' });
});

export const FindingsReport = z.object({
  id: z.string(),
  accountId: z.string().describe('the account it belongs to (the filter\'s accountId, else yours): who may see it'),
  status: z.enum(FINDINGS_REPORT_STATUSES),
  format: z.enum(FINDINGS_REPORT_FORMATS),
  aws: SecurityHubTarget.optional().describe('format asff: the Security Hub account and region'),
  filter: z.record(z.string(), z.unknown()).describe('the filter as asked'),
  destination: DestinationView.optional(),
  findings: z.number().optional().describe('findings written'),
  location: z.string().optional().describe('where it was written: s3://bucket/key or the file\'s path'),
  size: z.number().optional().describe('bytes written'),
  error: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  expiresAt: z.string().describe('the report\'s status (and the server\'s copy) are deleted then; what was written to a destination stays'),
  downloadUrl: z.string().optional().describe('when SUCCEEDED without a destination'),
});
export const FindingsReports = z.object({ items: z.array(FindingsReport) });
export const FindingsReportsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('newest first'),
  accountId: Id.optional(),
});

apiSchemas.add(Destination, { id: 'ExportDestination' });
apiSchemas.add(DestinationView, { id: 'ExportDestinationView' });
apiSchemas.add(CreateFindingsReport, { id: 'CreateFindingsReport' });
apiSchemas.add(FindingsReport, { id: 'FindingsReport' });
