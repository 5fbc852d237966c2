/** Request and response schemas of the CIS scan API (routes/cis.ts) and of resource tags. */
import { z } from 'zod';
import { CHECK_RESULT_STATUSES, CisConfigInput, CisTargets, ResourceTags, Schedule, SECURITY_LEVELS, TagKey } from '../engine/index.ts';

const Id = z.string().min(1).max(100);
const statusList = <T extends readonly [string, ...string[]]>(values: T) => z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter(Boolean) : v),
  z.array(z.enum(values)).max(values.length),
).optional();

export const CisConfigBody = CisConfigInput.meta({ id: 'CisScanConfigurationInput' });
export const CisConfigPatchBody = CisConfigInput.partial().refine((p) => Object.keys(p).length > 0, 'name, securityLevel, schedule or targets').meta({ id: 'CisScanConfigurationPatch' });

export const CisConfig = z.object({
  id: z.string(), accountId: z.string().describe('the owner'), name: z.string(), securityLevel: z.enum(SECURITY_LEVELS),
  schedule: Schedule, targets: CisTargets,
  status: z.enum(['ACTIVE', 'DONE']).describe('DONE: a one-time configuration that has run'),
  nextRunAt: z.string().nullable(), lastRunAt: z.string().nullable(), createdAt: z.string(), updatedAt: z.string(),
}).meta({ id: 'CisScanConfiguration' });
export const CisConfigs = z.object({ items: z.array(CisConfig) });
export const CisConfigsQuery = z.strictObject({ accountId: Id.optional().describe('only this account\'s configurations') });

const Counts = z.object({ passed: z.number(), failed: z.number(), skipped: z.number().describe('NOT_APPLICABLE'), errors: z.number(), manual: z.number() });

export const CisScan = z.object({
  id: z.string(), configurationId: z.string(), accountId: z.string(), name: z.string(), securityLevel: z.enum(SECURITY_LEVELS),
  status: z.enum(['IN_PROGRESS', 'COMPLETED', 'CANCELLED']), scheduledBy: z.enum(['schedule', 'api']),
  scanDate: z.string().describe('when the schedule said it runs (or when it was asked for)'), completedAt: z.string().nullable(),
  targets: z.object({ total: z.number(), done: z.number() }),
  checks: Counts.extend({ total: z.number() }).describe('check results over every target'),
}).meta({ id: 'CisScan' });
export const CisScans = z.object({ items: z.array(CisScan) });
export const CisScansQuery = z.strictObject({
  accountId: Id.optional(), configurationId: Id.optional(),
  status: statusList(['IN_PROGRESS', 'COMPLETED', 'CANCELLED'] as const),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const CisTarget = z.object({
  scanId: z.string(), resourceId: z.string(), accountId: z.string(), resourceType: z.string(), resourceName: z.string(),
  benchmarkId: z.string().nullable(),
  status: z.enum(['QUEUED', 'IN_PROGRESS', 'COMPLETED', 'SKIPPED', 'FAILED', 'CANCELLED']),
  reason: z.string().nullable().describe('why SKIPPED or FAILED: UNSUPPORTED_OS, NO_AGENT_RESULT, STALE_AGENT_RESULT, UNREACHABLE, SCAN_FAILED, ACCOUNT_DISABLED, RESOURCE_GONE'),
  message: z.string().nullable(), collectedAt: z.string().nullable().describe('when what was assessed was read'),
  counts: Counts, startedAt: z.string().nullable(), completedAt: z.string().nullable(),
}).meta({ id: 'CisScanTarget' });
export const CisTargetsList = z.object({ items: z.array(CisTarget) });
export const CisTargetsQuery = z.strictObject({ status: statusList(['QUEUED', 'IN_PROGRESS', 'COMPLETED', 'SKIPPED', 'FAILED', 'CANCELLED'] as const) });

const StatusCounts = z.object({ PASS: z.number(), FAIL: z.number(), NOT_APPLICABLE: z.number(), ERROR: z.number(), MANUAL: z.number() });
export const CisCheckAggregate = z.object({ checkId: z.string(), title: z.string(), level: z.number(), counts: StatusCounts.describe('targets by the check\'s status on them') }).meta({ id: 'CisCheckAggregate' });
export const CisChecks = z.object({ items: z.array(CisCheckAggregate) });
export const CisChecksQuery = z.strictObject({ status: statusList(CHECK_RESULT_STATUSES), checkId: z.string().max(64).optional() });

export const Evidence = z.object({ path: z.string().optional(), line: z.number().optional(), found: z.string().optional(), expected: z.string().optional(), message: z.string() });
export const CisResult = z.object({
  resourceId: z.string(), resourceName: z.string(), resourceType: z.string(), accountId: z.string(), benchmarkId: z.string().nullable(),
  checkId: z.string(), title: z.string(), level: z.number(), status: z.enum(CHECK_RESULT_STATUSES), evidence: z.array(Evidence),
}).meta({ id: 'CisCheckResult' });
export const CisResults = z.object({ items: z.array(CisResult), nextOffset: z.number().nullable() });
export const CisResultsQuery = z.strictObject({
  resourceId: Id.optional(), checkId: z.string().max(64).optional(), status: statusList(CHECK_RESULT_STATUSES),
  limit: z.coerce.number().int().min(1).max(2000).default(500), offset: z.coerce.number().int().min(0).default(0),
});
export const CisReportQuery = z.strictObject({ format: z.enum(['json', 'csv']).default('json'), status: statusList(CHECK_RESULT_STATUSES) });

export const CisTrendPoint = z.object({
  scanId: z.string(), configurationId: z.string(), name: z.string(), scanDate: z.string(), status: z.string(),
  passed: z.number(), failed: z.number(), skipped: z.number(), errors: z.number(), manual: z.number(),
  passRate: z.number().nullable().describe('passed / (passed + failed), percent; null when neither'),
}).meta({ id: 'CisTrendPoint' });
export const CisTrend = z.object({ items: z.array(CisTrendPoint) });
export const CisTrendQuery = z.strictObject({
  accountId: Id.optional(), configurationId: Id.optional(), resourceId: Id.optional().describe('that resource\'s own counts in each scan'),
  limit: z.coerce.number().int().min(1).max(365).default(30),
});

export const CisBenchmark = z.object({
  id: z.string(), title: z.string(), version: z.string(), platform: z.object({ id: z.array(z.string()), versionId: z.array(z.string()) }),
  checks: z.object({ level1: z.number(), level2: z.number(), manual: z.number(), live: z.number() }),
}).meta({ id: 'CisBenchmark' });
export const CisBenchmarks = z.object({ items: z.array(CisBenchmark) });

export const TagsView = z.object({ resourceId: z.string(), tags: z.record(z.string(), z.string()) }).meta({ id: 'ResourceTags' });
export const PutTagsBody = z.strictObject({ tags: ResourceTags.describe('key → value; other keys stay') });
export const DeleteTagsQuery = z.strictObject({
  keys: z.preprocess((v) => (typeof v === 'string' ? v.split(',') : v), z.array(TagKey).min(1).max(50)).describe('keys to remove, comma-separated or repeated'),
});
