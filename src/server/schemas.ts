/**
 * The API's wire types, as zod schemas: request bodies are checked against them at the edge and
 * responses are serialized through them (fields not named here never leave the server).
 */
import { z } from 'zod';
import { suppressionCriteriaSchema } from '../findings/types.ts';
import { MAX_INSPECTION_PATHS, checkInspectionPath } from '../sources/ssh/deep.ts';

export const ROLES = ['admin', 'analyst', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export const ACCOUNT_STATUSES = ['ENABLED', 'DISABLED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** How long an image stays eligible for rescans, as in Inspector's ECR settings. */
export const RESCAN_DURATIONS = ['lifetime', '14d', '30d', '60d', '90d', '180d'] as const;

export const ScanSettings = z.strictObject({
  /** basic: OS packages, scanned on push; enhanced: OS and language packages, scanned continuously */
  mode: z.enum(['basic', 'enhanced']),
  rescanDuration: z.enum(RESCAN_DURATIONS),
  /** the rescan duration counts from the push date or from the last pull date */
  rescanFrom: z.enum(['push', 'pull']),
  /** new resources of the account are scanned without being enabled one by one */
  autoEnable: z.boolean(),
  /** issue 17: hardcoded secrets in every resource type (images: enhanced mode); absent means on */
  secretScanning: z.boolean().default(true).describe('scan for hardcoded secrets: image files (enhanced mode), function packages, repositories with their git history, root filesystems, hosts (their secretPaths); default true'),
  /** issue 17: SAST of Python and JavaScript/TypeScript in repositories and functions; absent means on */
  codeScanning: z.boolean().default(true).describe('scan the code of repositories and function packages for flaws (Python, JavaScript/TypeScript); default true'),
  /** issue 19: running workloads */
  stopScanningAfterNotRunningDays: z.number().int().min(1).max(3650).nullable().default(null).describe('images no container has run for this many days (from the last time one ran, or from the push for images never seen running) leave continuous scanning: coverage INACTIVE / IMAGE_NOT_IN_USE, findings closed; back when one runs again. null: never'),
  /** issue 20: deep inspection of hosts (language packages and runtimes beyond the OS package databases); absent means on */
  hostDeepInspection: z.boolean().default(true).describe('inspect hosts (SSH and agent) for language packages and runtimes in the default directories and hostInspectionPaths, beyond the OS package databases; off when the organization\'s or the account\'s setting is false; default true'),
  /** issue 20: directories of SSH hosts inspected for language packages beyond the defaults */
  hostInspectionPaths: z.array(z.string().superRefine((p, ctx) => {
    const why = checkInspectionPath(p);
    if (why) ctx.addIssue({ code: 'custom', message: `inspection path ${JSON.stringify(p.slice(0, 300))}: ${why}` });
  })).max(MAX_INSPECTION_PATHS).optional()
    .describe(`absolute directories of SSH hosts inspected for language packages beyond the defaults (/usr/lib, /usr/lib64, /usr/local/lib, /usr/local/lib64, /opt, /srv, /var/www, /home, /root); at most ${MAX_INSPECTION_PATHS}; the organization's and the account's both apply`),
});
/** as stored and sent: the issue-17 flags may be absent (settings stored before them), which means on */
export type ScanSettings = z.input<typeof ScanSettings>;
/** a change of some scan settings: only what is given changes (no defaults filled in) */
export const ScanSettingsPatch = z.strictObject({
  ...ScanSettings.shape, secretScanning: z.boolean(), codeScanning: z.boolean(), hostDeepInspection: z.boolean(), stopScanningAfterNotRunningDays: z.number().int().min(1).max(3650).nullable(),
}).partial();

export const DEFAULT_SCAN_SETTINGS: ScanSettings = { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true };

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

const Name = z.string().trim().min(1).max(200);
/** ids are opaque text; anything else cannot name an object, so it is a 404 later, not a 400 */
const Id = z.string().min(1).max(100);

export const Organization = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  scanSettings: ScanSettings,
});
export type Organization = z.infer<typeof Organization>;

export const Account = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  isDelegatedAdmin: z.boolean(),
  status: z.enum(ACCOUNT_STATUSES),
  scanSettings: ScanSettings,
  createdAt: z.string(),
});
export type Account = z.infer<typeof Account>;

export const ApiKey = z.object({
  id: z.string(),
  accountId: z.string(),
  /** the public part: keys look like vgl_<prefix>_<secret> */
  prefix: z.string(),
  role: z.enum(ROLES),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** A key as created: the only time the full key is shown. */
export const CreatedApiKey = ApiKey.extend({ key: z.string().describe('the full key; shown once, store it now') });

export const IdParams = z.strictObject({ id: Id });
export const KeyParams = z.strictObject({ id: Id, keyId: Id });

export const CreateOrganizationBody = z.strictObject({
  name: Name,
  adminAccountName: Name.optional(),
  scanSettings: ScanSettings.optional(),
});
export const CreatedOrganization = z.object({
  organization: Organization,
  delegatedAdmin: Account,
  adminKey: CreatedApiKey,
});

export const CreateAccountBody = z.strictObject({ name: Name });

export const PatchAccountBody = z.strictObject({
  name: Name.optional(),
  status: z.enum(ACCOUNT_STATUSES).optional(),
  scanSettings: ScanSettingsPatch.optional(),
}).refine((b) => Object.keys(b).length > 0, { message: 'at least one of name, status, scanSettings is required' });

export const CreateApiKeyBody = z.strictObject({ name: Name, role: z.enum(ROLES) });

export const WhoAmI = z.object({
  key: ApiKey.omit({ lastUsedAt: true, revokedAt: true }),
  account: Account,
  organization: Organization,
});

export const List = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

// ---------------------------------------------------------------------------------------------
// findings, resources, coverage, suppression rules, aggregations, events (routes/findings.ts)

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const;
export const FINDING_STATUSES = ['ACTIVE', 'SUPPRESSED', 'CLOSED'] as const;
export const FINDING_TYPES = ['vulnerability', 'malicious', 'network_reachability', 'secret', 'code_vulnerability'] as const;
export const RESOURCE_TYPE_NAMES = ['image', 'host', 'function', 'repository', 'rootfs'] as const;
export const EVENT_TYPES = ['finding.created', 'finding.updated', 'finding.closed', 'scan.completed', 'coverage.changed'] as const;

/** A query parameter given once, repeated (`?s=A&s=B`) or as a comma list (`?s=A,B`). */
const queryList = <T extends z.ZodType<string, string>>(item: T) => z.union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== ''))
  .pipe(z.array(item).min(1).max(100));
const queryBool = z.enum(['true', 'false']).transform((v) => v === 'true');
const QueryText = z.string().trim().min(1).max(500);
const Cursor = z.string().min(1).max(1000).describe("the previous page's nextCursor, unchanged");
const pageLimit = (dflt: number, max: number) => z.coerce.number().int().min(1).max(max).default(dflt).describe(`page size (default ${dflt}, at most ${max})`);

/** A point in time a range filter takes: a day (YYYY-MM-DD, UTC) or an ISO date-time with its offset. */
const QueryTime = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);
export const FIX_AVAILABILITY = ['YES', 'NO', 'PARTIAL'] as const;

/** The filters of /v1/findings, which the export, the aggregations and the dashboard take too. */
const findingFilterFields = {
  status: queryList(z.enum(FINDING_STATUSES)).optional().describe('ACTIVE | SUPPRESSED | CLOSED, repeated or comma-separated; default ACTIVE'),
  severity: queryList(z.enum(SEVERITIES)).optional(),
  type: queryList(z.enum(FINDING_TYPES)).optional(),
  vulnerabilityId: queryList(QueryText).optional().describe('a vulnerability (alias group) id, an advisory id or any alias'),
  packageName: QueryText.optional().describe('the package name as stored (normalized for its ecosystem)'),
  packageEcosystem: QueryText.optional(),
  resourceId: queryList(QueryText).optional(),
  resourceType: queryList(z.enum(RESOURCE_TYPE_NAMES)).optional(),
  fixAvailable: z.enum(['true', 'false', ...FIX_AVAILABILITY]).optional()
    .describe('YES | NO | PARTIAL: all, none or only some of the matches folded into the finding (its installed versions, its alias group\'s advisories) have a fix; true | false: the representative match has one'),
  exploitAvailable: queryBool.optional(),
  accountId: Id.optional().describe('one account you can see (default: every account you can see)'),
  minScore: z.coerce.number().min(0).max(10).optional().describe('the Vigil score (docs/scoring.md) at least this'),
  // issue 16 (Vigil score)
  minEpss: z.coerce.number().min(0).max(1).optional().describe('EPSS probability (0–1) at least this; findings without EPSS never match'),
  kev: queryBool.optional().describe('in CISA KEV (known exploited): the same filter as exploitAvailable'),
  firstObservedFrom: QueryTime.optional().describe('YYYY-MM-DD or an ISO date-time; inclusive'),
  firstObservedTo: QueryTime.optional().describe('YYYY-MM-DD (the whole day) or an ISO date-time; inclusive'),
  lastObservedFrom: QueryTime.optional(),
  lastObservedTo: QueryTime.optional(),
  updatedFrom: QueryTime.optional(),
  updatedTo: QueryTime.optional(),
  imageTag: queryList(QueryText).optional().describe('a tag of the finding\'s image (exact)'),
  inUse: z.enum(['true', 'false']).optional().describe('true: findings of images a running container uses (workload snapshots); false: of images none runs'),
  repository: queryList(QueryText).optional().describe('the image repository (the resource name of images) or the code repository (its name/URL), exact'),
  layerDigest: queryList(QueryText).optional().describe('the digest of the image layer that brought the package'),
  title: QueryText.optional().describe('case-insensitive substring of the title or the vulnerability id'),
  // issue 17: secret and code findings
  detector: queryList(QueryText).optional().describe('secret and code findings: the detector rule (the advisoryId), e.g. secret/aws-access-key-id, python/command-injection, js/sql-injection'),
  filePath: QueryText.optional().describe('secret and code findings: the file, exact (case-sensitive), or a pattern where * matches anything (case-insensitive)'),
};
export const FINDING_SORTS = ['severity', 'updated', 'firstObserved', 'score', 'epss'] as const;
export const FindingsQuery = z.strictObject({
  ...findingFilterFields,
  sort: z.enum(FINDING_SORTS).default('severity')
    .describe('severity: worst first, then most recently updated (default); updated: most recently updated first; firstObserved: newest first; score: highest Vigil score first (docs/scoring.md), unscored last; epss: highest EPSS probability first, unknown last'),
  limit: pageLimit(50, 500),
  cursor: Cursor.optional(),
});
/** The filter part of a findings query (what the export, aggregations and dashboard share). */
export const FindingFilterFields = z.strictObject(findingFilterFields);
export type FindingFilterQuery = z.output<typeof FindingFilterFields>;

const SeverityCounts = z.object({
  CRITICAL: z.number().optional(), HIGH: z.number().optional(), MEDIUM: z.number().optional(),
  LOW: z.number().optional(), NONE: z.number().optional(), UNKNOWN: z.number().optional(),
});

export const ResourceRef = z.object({ id: z.string(), type: z.string(), name: z.string(), ref: z.string().nullable(), digest: z.string().nullable() });

export const FindingSummary = z.object({
  id: z.string(),
  accountId: z.string(),
  resource: ResourceRef,
  type: z.string(),
  vulnerabilityId: z.string().describe('the alias group id (a CVE when there is one)'),
  advisoryId: z.string().describe('the advisory record that represents the finding'),
  package: z.object({ ecosystem: z.string(), name: z.string(), version: z.string(), purl: z.string().nullable(), location: z.string().describe('the first of locations'), locations: z.array(z.string()).describe('every file the package was found in, sorted: a lockfile and its node_modules, two projects of an image (one finding per vulnerability and package)'), layer: z.string().nullable() }),
  severity: z.enum(SEVERITIES),
  score: z.number().nullable().describe('the Vigil score (docs/scoring.md): CVSS base with contextual adjustments; null when nothing scores the vulnerability'),
  epss: z.number().nullable().describe('EPSS probability (0–1) of the vulnerability, null when unknown'),
  fixAvailable: z.boolean().describe('the representative match has a fixed version'),
  fixAvailability: z.enum(FIX_AVAILABILITY).describe('of the matches folded into the finding (installed versions at the location, advisories of the alias group): all (YES), none (NO) or only some (PARTIAL) have a fix'),
  title: z.string().describe('the advisory summary, or "<vulnerabilityId> - <package>" when there is none'),
  fixedVersion: z.string().nullable(),
  exploitAvailable: z.boolean().describe('known exploited (CISA KEV)'),
  status: z.enum(FINDING_STATUSES),
  suppressedBy: z.string().nullable().describe('the suppression rule in force'),
  firstObservedAt: z.string(),
  lastObservedAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
});

/** issue 16: the Vigil score of a finding, as details.scoring holds it (src/model/scoring.ts VigilScoring) */
export const VigilScoringSchema = z.object({
  formula: z.string().describe('vigil-1 (package findings) | vigil-net-1 (network_reachability findings) | vigil-code-1 (secret and code_vulnerability findings)'),
  base: z.object({ score: z.number(), version: z.string(), vector: z.string(), source: z.string() }).nullable().describe('the CVSS vector the score starts from; null when none scores the vulnerability'),
  basis: z.enum(['malicious', 'cvss', 'advisory', 'none', 'network', 'code']),
  inputs: z.object({
    kev: z.object({ cve: z.string(), dateAdded: z.string(), knownRansomwareCampaignUse: z.string().optional() }).optional(),
    epss: z.object({ cve: z.string(), probability: z.number(), percentile: z.number(), date: z.string().optional() }).optional(),
    exploitation: z.enum(['poc', 'active']).optional(),
    fixAvailable: z.boolean(),
    advisorySeverity: z.enum(SEVERITIES).optional(),
    inUse: z.object({ inUse: z.boolean(), windowDays: z.number() }).optional(),
    reachability: z.object({ internet: z.boolean(), source: z.string() }).optional(),
    network: z.object({
      portClass: z.enum(['wide', 'admin', 'web', 'icmp', 'other']), ports: z.array(z.number()).optional(), allSources: z.boolean(),
      listening: z.boolean().optional(), processes: z.array(z.string()).optional(),
    }).optional().describe('network_reachability findings: what vigil-net-1 scored'),
    code: z.object({
      kind: z.enum(['secret', 'code']), rule: z.string(), severity: z.enum(SEVERITIES), provider: z.string().optional(),
      confidence: z.enum(['verified', 'format', 'entropy']).optional(), inHead: z.boolean().optional(), commit: z.string().optional(),
      cwe: z.array(z.string()).optional(), source: z.enum(['remote', 'local']).optional(), testCode: z.boolean(),
    }).optional().describe('secret and code_vulnerability findings: what vigil-code-1 scored'),
  }),
  adjustments: z.array(z.object({
    metric: z.enum(['kev', 'exploit', 'epss', 'reachability', 'inUse', 'fix', 'exposure', 'sources', 'listener', 'detector', 'confidence', 'history', 'testCode']),
    from: z.number().nullable(), to: z.number().nullable(),
    fromSeverity: z.enum(SEVERITIES).optional(), toSeverity: z.enum(SEVERITIES).optional(),
    reason: z.string(),
  })),
  score: z.number().nullable(),
  severity: z.enum(SEVERITIES),
});

const PathStep = z.object({ componentId: z.string(), componentType: z.string().describe('AWS::EC2::InternetGateway, AWS::EC2::RouteTable, AWS::EC2::Subnet, AWS::EC2::NetworkAcl, AWS::EC2::SecurityGroup, AWS::EC2::NetworkInterface, AWS::EC2::Instance, AWS::ElasticLoadBalancingV2::{LoadBalancer,Listener,TargetGroup}, Host::{Firewall,FirewallRule,Socket,Process}') });
export const NetworkReachabilityDetails = z.object({
  protocol: z.enum(['tcp', 'udp', 'icmp', 'icmpv6', 'ip']).describe('icmp/icmpv6: the range holds ICMP types; ip: other IP protocol numbers'),
  openPortRange: z.object({ begin: z.number(), end: z.number() }),
  addressFamily: z.enum(['ipv4', 'ipv6']),
  sources: z.array(z.string()).describe('the internet sources that reach the range: 0.0.0.0/0 or ::/0 for every public address, else CIDRs'),
  sourcesExcept: z.array(z.string()).optional(),
  destination: z.string().optional(),
  networkPath: z.object({ steps: z.array(PathStep) }),
  loadBalancer: z.object({ arn: z.string(), listenerPort: z.number(), listenerProtocol: z.string(), targetHealth: z.string().optional() }).optional(),
  listeners: z.array(z.object({ protocol: z.string(), address: z.string(), port: z.number(), process: z.string().optional(), pid: z.number().optional(), uid: z.number().optional() })).optional()
    .describe('what listens in the range behind the host firewall, when the host reported its sockets (empty: nothing does)'),
  explanation: z.string(),
  source: z.enum(['aws', 'host', 'aws+host']).describe('aws: an uploaded topology; host: the host firewall and sockets alone; aws+host: both'),
  topology: z.string().optional(),
  instanceId: z.string().optional(),
});

/** issue 17: where a secret or a code flaw is (src/model/code.ts CodeLocation) */
const CodeLocationSchema = z.object({
  path: z.string(), line: z.number(), column: z.number(), endLine: z.number().optional(), endColumn: z.number().optional(),
  layer: z.object({ digest: z.string(), index: z.number().optional(), createdBy: z.string().optional() }).passthrough().optional().describe('the image layer that brought the file'),
  commit: z.object({ id: z.string(), author: z.string(), date: z.string(), inHead: z.boolean() }).optional().describe('a secret found in git history: the commit that added it; inHead false when it is gone from the checked-out tree'),
});
export const SecretDetails = z.object({
  rule: z.string(), provider: z.string(), confidence: z.enum(['verified', 'format', 'entropy']),
  prefix: z.string().describe('at most the first 4 characters of the secret, or its provider prefix and 4 more: the secret itself is never stored'),
  hash: z.string().describe('sha256 of the whole secret (hex): compare with `printf %s "$SECRET" | sha256sum`'),
  length: z.number(), note: z.string().optional(), location: CodeLocationSchema, snippet: z.string().describe('the line, the secret masked'),
});
export const CodeDetails = z.object({
  rule: z.string(), language: z.enum(['python', 'javascript', 'typescript']), cwe: z.array(z.string()), location: CodeLocationSchema,
  snippet: z.string(), remediation: z.string(),
  trace: z.array(z.object({ kind: z.enum(['source', 'propagation', 'call', 'sink']), location: CodeLocationSchema, label: z.string() })).describe('source → … → sink; empty for flaws that need no taint'),
  fix: z.object({ description: z.string(), replacement: z.string().optional() }).optional().describe('a mechanical fix: the text to put in place of the snippet'),
  source: z.enum(['remote', 'local']).optional(),
});

export const FindingDetails = z.object({
  advisories: z.array(z.string()).describe('every advisory of the alias group folded into this finding'),
  aliases: z.array(z.string()),
  summary: z.string().optional(),
  cvss: z.object({ version: z.string(), vector: z.string(), score: z.number(), source: z.string() }).optional(),
  versions: z.array(z.string()).optional().describe('installed versions, when the finding has more than one (two versions of the package in the resource)'),
  locations: z.array(z.string()).optional().describe('every file the package was found in (a lockfile and its node_modules, two projects), sorted; package.location is the first. Findings stored before issue 20 have none until their next rematch'),
  explanation: z.object({
    record: z.string(),
    searched: z.object({ ecosystem: z.string(), name: z.string(), version: z.string() }),
    scheme: z.string(),
    hit: z.record(z.string(), z.unknown()),
    fixed: z.array(z.string()),
    fixedBy: z.string().nullable(),
    fixAvailable: z.boolean(),
    status: z.string().optional(),
    skipped: z.array(z.object({ index: z.number(), type: z.string(), reason: z.string() })).optional(),
  }).partial().optional().describe('why matching decided the package is affected (package findings; absent on network_reachability findings)'),
  references: z.array(z.string()).optional(),
  // ─── issue 16: network_reachability findings (Amazon Inspector's networkReachabilityDetails, plus the path's sources and listeners) ───
  networkReachability: NetworkReachabilityDetails.optional().describe('network_reachability findings only: the open range and the path from the internet'),
  // ─── issue 17: secret and code_vulnerability findings ───
  secret: SecretDetails.optional().describe('secret findings only: the rule, provider, prefix and hash (never the secret), where it is'),
  code: CodeDetails.optional().describe('code_vulnerability findings only: the rule, CWEs, snippet, taint trace, remediation and a suggested fix'),
  // ─── issue 16: the Vigil score's breakdown (src/model/scoring.ts, docs/scoring.md) ───
  scoring: VigilScoringSchema.optional().describe('the Vigil score: base, each adjustment {metric, from, to, reason}, score and severity; absent on findings recorded before it existed (until their next rematch)'),
});

export const Finding = FindingSummary.extend({ details: FindingDetails });

export const Page = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last page'),
});

export const ResourcesQuery = z.strictObject({
  type: queryList(z.enum(RESOURCE_TYPE_NAMES)).optional(),
  accountId: Id.optional(),
  coverageStatus: queryList(z.enum(['ACTIVE', 'INACTIVE'])).optional(),
  coverageReason: queryList(QueryText).optional().describe('SUCCESSFUL, PENDING_INITIAL_SCAN, UNREACHABLE, SCAN_ELIGIBILITY_EXPIRED, …'),
  name: QueryText.optional().describe('the exact name, or a pattern where * matches anything (case-insensitive)'),
  inUse: z.enum(['true', 'false']).optional().describe('(issue 19) true: images a running container uses (workload snapshots); false: images none runs. Other resource types are left out either way'),
  limit: pageLimit(50, 500),
  cursor: Cursor.optional(),
});

export const Resource = z.object({
  id: z.string(),
  accountId: z.string(),
  type: z.string(),
  name: z.string(),
  ref: z.string().nullable(),
  digest: z.string().nullable(),
  tags: z.array(z.string()),
  coverage: z.object({
    status: z.enum(['ACTIVE', 'INACTIVE']), reason: z.string().nullable(), lastScannedAt: z.string().nullable(),
    lastError: z.string().nullable().describe('why the last scan failed (cleared by the next success)'),
    partial: z.object({ skipped: z.number(), rules: z.record(z.string(), z.number()) }).optional()
      .describe('present when the last scan skipped files for archive limits (decompression bomb, file too large, …): files skipped, by rule; the status stays SUCCESSFUL'),
  }),
  activeFindings: SeverityCounts.extend({ total: z.number() }).describe('ACTIVE findings by severity'),
  inUse: z.object({
    runningContainers: z.number().describe('containers running the image in the latest workload snapshots (Inspector: inUseCount)'),
    clusters: z.array(z.string()).describe('the clusters running it, as kind/name (kubernetes/prod, ecs/web)'),
    lastInUseAt: z.string().nullable().describe('the last workload snapshot in which a container ran it (Inspector: lastInUseAt)'),
  }).optional().describe('images only: whether running workloads use it (issue 19)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const ResourceDetail = Resource.extend({ packageCount: z.number() });

export const PackagesQuery = z.strictObject({ limit: pageLimit(100, 1000), cursor: Cursor.optional() });
export const InventoryPackage = z.object({
  ecosystem: z.string(),
  name: z.string(),
  version: z.string(),
  purl: z.string().nullable(),
  location: z.string().describe('the first of locations'),
  locations: z.array(z.string()).describe('every file the package was found in, sorted (a lockfile and its node_modules: one install, one package)'),
  layer: z.object({ index: z.number(), digest: z.string(), createdBy: z.string().optional() }).partial().nullable(),
  sourceName: z.string().nullable(),
  sourceVersion: z.string().nullable(),
  ownedBy: z.string().nullable(),
});

export const Coverage = Page(Resource).extend({
  summary: z.array(z.object({ type: z.string(), coverageStatus: z.string(), coverageReason: z.string().nullable(), count: z.number() }))
    .describe('resources by (type, coverage status, reason), over every resource the filter selects (not just this page)'),
});

export const SuppressionRule = z.object({
  id: z.string(),
  accountId: z.string(),
  name: z.string(),
  reason: z.string(),
  criteria: suppressionCriteriaSchema,
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
});
const RuleCriteria = suppressionCriteriaSchema.refine((c) => Object.keys(c).length > 0, { message: 'criteria must name at least one filter (a rule that suppresses everything is not allowed)' });
const RuleFields = {
  name: Name,
  reason: z.string().trim().min(1).max(2000).describe('why these findings do not need action'),
  criteria: RuleCriteria,
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional().describe('the rule stops applying then; its findings return to ACTIVE'),
};
export const CreateSuppressionRuleBody = z.strictObject({
  accountId: Id.optional().describe("the account the rule belongs to (default: the caller's); a delegated admin may name a member account"),
  ...RuleFields,
});
export const ReplaceSuppressionRuleBody = z.strictObject(RuleFields);
export const SuppressionRulesQuery = z.strictObject({ accountId: Id.optional() });
export const SuppressionRuleChange = z.object({
  rule: SuppressionRule,
  applied: z.object({ suppressed: z.number(), unsuppressed: z.number(), evaluated: z.number() }).describe('what re-evaluating the open findings changed'),
});

export const AGGREGATION_KEYS = ['severity', 'account', 'resource', 'vulnerability', 'package', 'layer', 'repository', 'function', 'type', 'title', 'imageTag', 'fixAvailable', 'detector', 'file'] as const;
export const AggregationQuery = z.strictObject({
  ...findingFilterFields,
  by: z.enum(AGGREGATION_KEYS).describe('layer: package layer digest; repository: image repository or code repository name; function: function name; type: finding type; imageTag: each tag of the image (a finding counts under each); fixAvailable: YES | NO | PARTIAL; detector: the rule of secret and code findings; file: the file of secret and code findings'),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
});
export const Aggregation = z.object({
  by: z.string(),
  items: z.array(z.object({
    key: z.string(), count: z.number(), bySeverity: SeverityCounts,
    label: z.string().optional().describe("a display name: the resource's name (resource), the layer's created_by (layer), the title (vulnerability)"),
  })),
});
export const DailyQuery = z.strictObject({
  from: z.iso.date().describe('first day, YYYY-MM-DD'),
  to: z.iso.date().describe('last day, YYYY-MM-DD (inclusive)'),
  status: queryList(z.enum(FINDING_STATUSES)).optional().describe('default ACTIVE'),
  accountId: Id.optional(),
}).refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export const DailySeries = z.object({ items: z.array(z.object({ day: z.string(), severity: z.string(), count: z.number() })) });

export const AffectedResources = z.object({
  vulnerabilityId: z.string().describe('the alias group the id resolved to'),
  items: z.array(z.object({
    resource: ResourceRef.extend({ accountId: z.string(), coverageStatus: z.string(), lastScannedAt: z.string().nullable() }),
    findings: z.number().describe('open (ACTIVE or SUPPRESSED) findings of the vulnerability'),
    active: z.number(),
    severity: z.string(),
    packages: z.array(z.object({ ecosystem: z.string(), name: z.string(), version: z.string(), location: z.string() })),
  })),
});

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('the last event id you have seen (0: from the start)'),
  types: queryList(z.enum(EVENT_TYPES)).optional(),
  accountId: Id.optional(),
  limit: pageLimit(100, 1000),
});
export const Event = z.object({
  id: z.number(),
  type: z.string(),
  accountId: z.string(),
  resourceId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export const Events = z.object({ items: z.array(Event), nextAfter: z.number().describe('pass as ?after= to poll for what follows') });

// ---------------------------------------------------------------------------------------------
// issue 15, the console's findings API (routes/finding-views.ts, routes/suppression.ts preview)

export const FindingHistory = z.object({ items: z.array(Event).describe("the events about the finding, oldest first") });

export const ExportQuery = z.strictObject({
  ...findingFilterFields,
  format: z.enum(['csv', 'json']).default('csv').describe('csv: RFC 4180, a header line, CRLF line ends; json: one array of FindingSummary'),
  sort: z.enum(FINDING_SORTS).default('severity'),
});

const SeverityTotals = z.object({
  CRITICAL: z.number(), HIGH: z.number(), MEDIUM: z.number(), LOW: z.number(), NONE: z.number(), UNKNOWN: z.number(),
});
export const DashboardQuery = z.strictObject({
  accountId: Id.optional().describe('one account you can see (default: every account you can see)'),
  fresh: z.enum(['true', 'false']).transform((v) => v === 'true').optional().describe('true: wait for current numbers instead of answering the previous ones while they are recomputed'),
});
export const Dashboard = z.object({
  coverage: z.object({
    total: z.number(), scanned: z.number().describe('resources whose coverage is ACTIVE'),
    byType: z.array(z.object({ type: z.string(), total: z.number(), scanned: z.number() })),
    notScanned: z.array(z.object({ reason: z.string(), count: z.number() })).describe('INACTIVE resources by coverage reason'),
  }),
  severity: SeverityTotals.describe('ACTIVE findings by severity'),
  newLast24h: z.object({ total: z.number(), bySeverity: SeverityTotals }).describe('ACTIVE findings first observed in the last 24 hours'),
  fixAvailable: z.object({ YES: z.number(), NO: z.number(), PARTIAL: z.number() }).describe('ACTIVE findings by fix availability'),
  topResources: z.array(z.object({ resourceId: z.string(), name: z.string(), type: z.string(), critical: z.number(), high: z.number(), total: z.number() }))
    .describe('the 10 resources with the most critical, then high, then ACTIVE findings'),
  topVulnerabilities: z.array(z.object({ vulnerabilityId: z.string(), title: z.string(), severity: z.enum(SEVERITIES), resources: z.number(), findings: z.number() }))
    .describe('the 10 vulnerabilities with ACTIVE findings on the most resources'),
  trend: z.array(SeverityTotals.extend({ day: z.string() })).describe('ACTIVE findings by severity per day, last 30 days, from the daily snapshots (days without a snapshot are absent)'),
  generatedAt: z.string().describe('when these numbers were computed (a dashboard is reused up to 30 s while nothing changes)'),
});

export const VulnerabilitySearchQuery = z.strictObject({
  q: QueryText.describe('an id or alias (CVE-…, GHSA-…, any advisory id), exact or a prefix; else words of the summary or a package name'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const VulnerabilityHit = z.object({
  id: z.string().describe('the alias group id (what findings name as vulnerabilityId)'),
  aliases: z.array(z.string()),
  summary: z.string().nullable(),
  severity: z.enum(SEVERITIES).describe('from the highest CVSS score of the merged record; UNKNOWN without one'),
  score: z.number().nullable(),
  kev: z.boolean().describe('in CISA KEV'),
  published: z.string().nullable(),
  modified: z.string().nullable(),
  affectedResources: z.number().describe('resources in your sight with open findings of it'),
});
export const VulnerabilitySearch = z.object({ items: z.array(VulnerabilityHit) });
export const VulnerabilityRecord = z.object({
  id: z.string(),
  aliases: z.array(z.string()),
  related: z.array(z.string()).describe('ids linked as upstream/related (a DSA\'s CVEs, the advisories fixing this CVE)'),
  summary: z.string().nullable(),
  details: z.string().nullable(),
  withdrawn: z.boolean(),
  published: z.string().nullable(),
  modified: z.string().nullable(),
  severity: z.enum(SEVERITIES),
  score: z.number().nullable(),
  cvss: z.array(z.object({ source: z.string(), type: z.string(), vector: z.string(), score: z.number().nullable(), severity: z.string().nullable() }))
    .describe('every vector of the merged records and the enrichment, with its base score'),
  cwes: z.array(z.string()),
  advisories: z.array(z.object({
    id: z.string(), source: z.string(), summary: z.string().nullable(), published: z.string().nullable(), modified: z.string(), withdrawn: z.string().nullable(),
    fixed: z.array(z.object({ ecosystem: z.string(), name: z.string(), version: z.string() })),
    references: z.array(z.string()),
  })),
  references: z.array(z.object({ type: z.string(), url: z.string() })),
  kev: z.object({
    cve: z.string(), dateAdded: z.string(), dueDate: z.string().optional(), vendorProject: z.string().optional(), product: z.string().optional(),
    name: z.string().optional(), requiredAction: z.string().optional(), knownRansomwareCampaignUse: z.string().optional(),
  }).nullable(),
  epss: z.object({ cve: z.string(), score: z.number(), percentile: z.number() }).nullable(),
  affectedResources: z.number().describe('resources in your sight with open findings of it (list them with /v1/vulnerabilities/{id}/resources)'),
});

export const SuppressionPreviewBody = z.strictObject({
  accountId: Id.optional().describe("the account the rule would belong to (default: the caller's)"),
  criteria: RuleCriteria,
  sample: z.number().int().min(0).max(100).default(20).describe('how many of the matched findings to return'),
});
export const SuppressionPreview = z.object({
  matched: z.number().describe('ACTIVE findings creating this rule would suppress now'),
  sample: z.array(FindingSummary).describe('the first of them, worst first'),
});

/** The named schemas, which the OpenAPI document lists under components (not zod's global registry). */
export const apiSchemas = z.registry<{ id: string }>();
// The OpenAPI generator reads metadata from this registry only (through copies that fall back to
// its `_map`), so `.describe()` texts, which zod keeps in its global registry, never reached
// /openapi.json. This map answers with the global metadata under our own (ids stay ours).
{
  type Meta = Record<string, unknown>;
  const global = (z.globalRegistry as unknown as { _map: WeakMap<object, Meta> })._map;
  class WithDescriptions extends WeakMap<object, Meta> {
    override get(schema: object): Meta | undefined {
      const mine = super.get(schema);
      const g = global.get(schema);
      if (!g) return mine;
      const { id: _ignored, ...rest } = g;
      return { ...rest, ...(mine ?? {}) };
    }
  }
  (apiSchemas as unknown as { _map: WeakMap<object, Meta> })._map = new WithDescriptions();
}
apiSchemas.add(ScanSettings, { id: 'ScanSettings' });
apiSchemas.add(ErrorBody, { id: 'Error' });
apiSchemas.add(Organization, { id: 'Organization' });
apiSchemas.add(Account, { id: 'Account' });
apiSchemas.add(ApiKey, { id: 'ApiKey' });
apiSchemas.add(CreatedApiKey, { id: 'CreatedApiKey' });
apiSchemas.add(WhoAmI, { id: 'WhoAmI' });
apiSchemas.add(FindingSummary, { id: 'FindingSummary' });
apiSchemas.add(Finding, { id: 'Finding' });
apiSchemas.add(Resource, { id: 'Resource' });
apiSchemas.add(ResourceDetail, { id: 'ResourceDetail' });
apiSchemas.add(InventoryPackage, { id: 'InventoryPackage' });
apiSchemas.add(SuppressionRule, { id: 'SuppressionRule' });
apiSchemas.add(Event, { id: 'Event' });

// ---------------------------------------------------------------------------------------------
// console sessions (routes/session.ts)

export type WhoAmI = z.infer<typeof WhoAmI>;
export const SessionLogin = z.strictObject({
  apiKey: z.string().min(1).max(200).describe('an API key, vgl_<prefix>_<secret>, of any role'),
});
export const Session = z.object({
  csrfToken: z.string().describe('send as the X-CSRF-Token header on every request other than GET made with the session cookie'),
  whoami: WhoAmI,
});
apiSchemas.add(Session, { id: 'Session' });

// issue 15 (api-findings)
apiSchemas.add(Dashboard, { id: 'Dashboard' });
apiSchemas.add(VulnerabilityHit, { id: 'VulnerabilityHit' });
apiSchemas.add(VulnerabilityRecord, { id: 'VulnerabilityRecord' });
apiSchemas.add(SuppressionPreview, { id: 'SuppressionPreview' });
