/** Shapes of the API's responses the console reads (see /openapi.json for the authoritative schemas). */

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Partial<Record<Severity, number>>;
export type Role = 'read-only' | 'analyst' | 'admin';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ScanSettings {
  mode: 'basic' | 'enhanced';
  rescanDuration: string;
  rescanFrom: 'push' | 'pull';
  autoEnable: boolean;
}

export interface Organization {
  id: string;
  name: string;
  delegatedAdminAccountId?: string;
  scanSettings?: ScanSettings;
  createdAt?: string;
}

export interface Account {
  id: string;
  name: string;
  organizationId: string;
  isDelegatedAdmin: boolean;
  status: 'ENABLED' | 'DISABLED';
  scanSettings?: ScanSettings;
  createdAt?: string;
}

export interface WhoAmI {
  key: { id: string; prefix: string; name: string; role: Role; createdAt?: string };
  account: Account;
  organization: Organization;
}

export interface SessionInfo {
  csrfToken: string;
  whoami: WhoAmI;
}

export interface ResourceRef {
  id: string;
  type: string;
  name: string;
  ref: string | null;
  digest: string | null;
}

export interface FindingSummary {
  id: string;
  accountId: string;
  resource: ResourceRef;
  type: string;
  title?: string;
  vulnerabilityId: string;
  advisoryId: string;
  /** `locations`: every file the package was found in (issue 20); `location` is the first */
  package: { ecosystem: string; name: string; version: string; purl: string | null; location: string; locations?: string[]; layer: string | null };
  severity: Severity;
  /** the Vigil score (docs/scoring.md) */
  score: number | null;
  /** issue 16: EPSS probability (0–1), null when unknown */
  epss?: number | null;
  fixAvailable: boolean;
  fixAvailability?: 'YES' | 'NO' | 'PARTIAL';
  fixedVersion: string | null;
  exploitAvailable: boolean;
  status: 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';
  suppressedBy: string | null;
  firstObservedAt: string;
  lastObservedAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface Resource {
  id: string;
  accountId: string;
  type: string;
  name: string;
  ref: string | null;
  digest: string | null;
  tags: string[];
  coverage: { status: 'ACTIVE' | 'INACTIVE'; reason: string | null; lastScannedAt: string | null; lastError: string | null; partial?: { skipped: number; rules: Record<string, number> } };
  activeFindings: SeverityCounts & { total: number };
  /** images only (issue 19): containers running it in the latest workload snapshots */
  inUse?: { runningContainers: number; clusters: string[]; lastInUseAt: string | null };
  createdAt: string;
  updatedAt: string;
}

export interface ApiEvent {
  id: number;
  type: string;
  accountId: string;
  resourceId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------
// Dashboard, findings explorer, finding detail (console-findings)

export type FixAvailability = 'YES' | 'NO' | 'PARTIAL';

/** issue 16: details.scoring of a finding (src/model/scoring.ts VigilScoring, as the API returns it). */
export interface VigilScoring {
  formula: string;
  base: { score: number; version: string; vector: string; source: string } | null;
  /** 'network': a network reachability finding, scored from its exposure (issue 16 brief); secret and
   * code findings (formula vigil-code-1, issue 17) have their own basis, which the console shows as given */
  basis: 'malicious' | 'cvss' | 'advisory' | 'none' | 'network' | (string & {});
  inputs: Record<string, unknown>;
  adjustments: { metric: string; from: number | null; to: number | null; fromSeverity?: string; toSeverity?: string; reason: string }[];
  score: number | null;
  severity: string;
}

/** GET /v1/findings/{id}: a finding with what matching knew about it. */
export interface FindingDetail extends FindingSummary {
  details: {
    advisories: string[];
    aliases: string[];
    summary?: string;
    cvss?: { version: string; vector: string; score: number; source: string };
    /** issue 16: the Vigil score's breakdown (docs/scoring.md); absent on findings recorded before it */
    scoring?: VigilScoring;
    versions?: string[];
    explanation: Partial<{
      record: string;
      searched: { ecosystem: string; name: string; version: string };
      scheme: string;
      hit: Record<string, unknown>;
      fixed: string[];
      fixedBy: string | null;
      fixAvailable: boolean;
      status: string;
      skipped: { index: number; type: string; reason: string }[];
    }>;
    references?: string[];
    /** issue 16: present on findings of type 'network_reachability' */
    networkReachability?: NetworkReachability;
    /** issue 17: present on findings of type 'secret' */
    secret?: SecretDetails;
    /** issue 17: present on findings of type 'code_vulnerability' */
    code?: CodeDetails;
  };
}

/** GET /v1/aggregations/findings */
export interface AggregationItem {
  key: string;
  count: number;
  bySeverity: SeverityCounts;
  /** a display name: the resource's name, the layer's created_by, the vulnerability's title */
  label?: string;
}
export interface Aggregation {
  by: string;
  items: AggregationItem[];
}

/** GET /v1/resources/{id}/packages */
export interface InventoryPackage {
  ecosystem: string;
  name: string;
  version: string;
  purl: string | null;
  location: string;
  locations?: string[];
  layer: { index?: number; digest?: string; createdBy?: string } | null;
  sourceName: string | null;
  sourceVersion: string | null;
  ownedBy: string | null;
}

/** GET /v1/dashboard */
export interface Dashboard {
  coverage: {
    total: number;
    scanned: number;
    byType: { type: string; total: number; scanned: number }[];
    notScanned: { reason: string; count: number }[];
  };
  severity: SeverityCounts;
  newLast24h: { total: number; bySeverity: SeverityCounts };
  fixAvailable: Record<FixAvailability, number>;
  topResources: { resourceId: string; name: string; type: string; critical: number; high: number; total: number }[];
  topVulnerabilities: { vulnerabilityId: string; title?: string | null; severity: Severity; resources: number; findings: number }[];
  trend: ({ day: string } & SeverityCounts)[];
  generatedAt: string;
}



// ---------------------------------------------------------------------------------------------
// console-inventory: resources and coverage, SBOM exports, vulnerability search, suppression rules

export const RESOURCE_TYPES = ['image', 'host', 'function', 'repository', 'rootfs'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export interface ResourceDetail extends Resource {
  packageCount: number;
}

/** GET /v1/coverage: a page of resources and the counts over everything the filter selects */
export interface CoveragePage extends Page<Resource> {
  summary: { type: string; coverageStatus: string; coverageReason: string | null; count: number }[];
}

/** POST /v1/resources/{id}/scan (202) */
export interface Queued {
  queued: boolean;
  jobId: string;
  resourceId?: string;
}

export type SbomFormat = 'cyclonedx' | 'spdx';

/** GET /v1/sbom-exports/{id} */
export interface SbomExport {
  id: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  format: SbomFormat;
  resources: number;
  error?: string | null;
  createdAt: string;
  completedAt?: string | null;
  /** the export and its archive are deleted then */
  expiresAt?: string;
  /** documents in the archive */
  documents?: number;
  /** bytes of the zip */
  size?: number;
  downloadUrl?: string | null;
}

/** GET /v1/vulnerabilities?q= */
export interface VulnerabilityHit {
  id: string;
  aliases: string[];
  summary: string | null;
  severity: Severity | null;
  score: number | null;
  kev: boolean;
  published: string | null;
  modified: string | null;
  affectedResources: number;
}

/** GET /v1/vulnerabilities/{id}: the merged record of an alias group */
export interface VulnerabilityRecord {
  id: string;
  aliases: string[];
  /** ids linked as upstream/related (a DSA's CVEs, the advisories fixing this CVE) */
  related: string[];
  summary: string | null;
  details: string | null;
  withdrawn: boolean;
  published: string | null;
  modified: string | null;
  severity: Severity;
  score: number | null;
  cvss: { source: string; type: string; vector: string; score: number | null; severity: string | null }[];
  cwes: string[];
  advisories: {
    id: string; source: string; summary: string | null; published: string | null; modified: string; withdrawn: string | null;
    fixed: { ecosystem: string; name: string; version: string }[];
    references: string[];
  }[];
  references: { type: string; url: string }[];
  kev: {
    cve: string; dateAdded: string; dueDate?: string; vendorProject?: string; product?: string;
    name?: string; requiredAction?: string; knownRansomwareCampaignUse?: string;
  } | null;
  epss: { cve: string; score: number; percentile: number } | null;
  affectedResources: number;
}

/** GET /v1/vulnerabilities/{id}/resources */
export interface AffectedResources {
  vulnerabilityId: string;
  items: {
    resource: ResourceRef & { accountId: string; coverageStatus: string; lastScannedAt: string | null };
    findings: number;
    active: number;
    severity: string;
    packages: { ecosystem: string; name: string; version: string; location: string }[];
  }[];
}

/** GET /v1/aggregations/findings */
/** A suppression rule's filter (src/findings/types.ts suppressionCriteriaSchema): AND across, OR within a list, `*` globs. */
export interface SuppressionCriteria {
  severities?: Severity[];
  score?: { min?: number; max?: number };
  vulnerabilityIds?: string[];
  packages?: { ecosystem?: string; name?: string; version?: string }[];
  resourceTypes?: string[];
  resourceIds?: string[];
  resourceNames?: string[];
  resourceTags?: string[];
  accountIds?: string[];
  fixAvailable?: boolean;
  exploitAvailable?: boolean;
  layers?: string[];
  paths?: string[];
}

export interface SuppressionRule {
  id: string;
  accountId: string;
  name: string;
  reason: string;
  criteria: SuppressionCriteria;
  expiresAt: string | null;
  createdAt: string;
}

/** POST/PUT/DELETE /v1/suppression-rules…: the rule and what re-evaluating open findings changed */
export interface SuppressionRuleChange {
  rule: SuppressionRule;
  applied: { suppressed: number; unsuppressed: number; evaluated: number };
}

/** POST /v1/suppression-rules/preview */
export interface SuppressionPreview {
  matched: number;
  sample: FindingSummary[];
}

// --- Targets and Organization pages (console-admin) -------------------------------------------

export type TargetKind = 'registry' | 'host' | 'repository' | 'function' | 'rootfs';

export interface TargetResource {
  id: string;
  name: string;
  digest: string | null;
  tags: string[];
  coverageStatus: string;
  coverageReason: string | null;
  lastScannedAt: string | null;
  lastError: string | null;
}

/** GET /v1/{registries,hosts,…}: `config` without secrets (a secret shows as true when set). */
export interface Target {
  id: string;
  accountId: string;
  kind: TargetKind;
  name: string;
  config: Record<string, unknown>;
  status: string;
  nextPollAt: string | null;
  lastPolledAt: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  resources: TargetResource[];
}

/** POST /v1/{kind}: generated secrets and webhook paths, in this response only. */
export interface CreatedTarget extends Target {
  secrets?: Record<string, string>;
  endpoints?: Record<string, string>;
}

export interface ApiKey {
  id: string;
  accountId: string;
  prefix: string;
  role: Role;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** POST /v1/accounts/{id}/api-keys: the full key, in this response only. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

// --- Network reachability (issue 16, console-net) ----------------------------------------------

/** findings.type of a network reachability finding (the API's `type` filter value too) */
export const NETWORK_FINDING_TYPE = 'network_reachability';
/** issue 17: a hardcoded secret, and a flaw found in source code (Python, JavaScript/TypeScript) */
export const SECRET_FINDING_TYPE = 'secret';
export const CODE_FINDING_TYPE = 'code_vulnerability';
export const FINDING_TYPES = ['vulnerability', 'malicious', NETWORK_FINDING_TYPE, SECRET_FINDING_TYPE, CODE_FINDING_TYPE] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

/** A finding type as a person says it (the grouped view, the finding page). */
export const FINDING_TYPE_LABELS: Record<FindingType, string> = {
  vulnerability: 'Vulnerability',
  malicious: 'Malicious package',
  [NETWORK_FINDING_TYPE]: 'Network reachability',
  [SECRET_FINDING_TYPE]: 'Secret',
  [CODE_FINDING_TYPE]: 'Code vulnerability',
};
/** The short tag the findings list puts beside the id (vulnerabilities have none). */
export const FINDING_TYPE_TAGS: Record<FindingType, string> = {
  vulnerability: '',
  malicious: 'malicious',
  [NETWORK_FINDING_TYPE]: 'network',
  [SECRET_FINDING_TYPE]: 'secret',
  [CODE_FINDING_TYPE]: 'code',
};
export function findingTypeLabel(type: string): string {
  return (FINDING_TYPE_LABELS as Record<string, string>)[type] ?? type;
}
/** Types whose `package.name` is a file path (issue 17 contract): no package, ecosystem or fixed version. */
export function isFileFinding(type: string): boolean {
  return type === SECRET_FINDING_TYPE || type === CODE_FINDING_TYPE;
}

export type NetworkProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'ip';

/** One hop of a path; componentType as CloudFormation spells it ('AWS::EC2::Subnet'), or 'Host::*' for a host. */
export interface NetworkPathStep {
  componentId: string;
  componentType: string;
}

export interface NetworkListener {
  protocol: string;
  address: string;
  port: number;
  process?: string;
  pid?: number;
  uid?: number;
}

/** details.networkReachability of a 'network_reachability' finding (src/detectors/network/finding.ts NetworkFinding, as stored). */
export interface NetworkReachability {
  protocol: NetworkProtocol;
  /** tcp/udp: ports; icmp/icmpv6: ICMP types; ip: IP protocol numbers */
  openPortRange: { begin: number; end: number };
  addressFamily: 'ipv4' | 'ipv6';
  sources: string[];
  sourcesExcept?: string[];
  destination?: string;
  networkPath: { steps: NetworkPathStep[] };
  loadBalancer?: { arn: string; listenerPort: number; listenerProtocol: string; targetHealth?: string };
  listeners?: NetworkListener[];
  explanation: string;
  source: 'aws' | 'host' | 'aws+host';
  /** the topology's name (AWS findings) */
  topology?: string;
  instanceId?: string;
}

export interface TopologyNote {
  kind: string;
  input: string;
  componentId?: string;
  message: string;
  assumed?: string;
}

/** GET /v1/network/topologies[/{name}], PUT's answer */
export interface Topology {
  name: string;
  accountId: string;
  kind: 'aws';
  files: string[];
  status: 'ANALYZED' | 'FAILED';
  error: { message: string; input?: string; rule?: string } | null;
  analyzedAt: string | null;
  createdAt: string;
  updatedAt: string;
  counts: { instances: number; reachableInstances: number; findings: number; mappedResources: number; unmappedInstances: number; notes: number };
  notes: TopologyNote[];
}

// --- Secrets and code flaws (issue 17, console-code) ---------------------------------------------

/** Where a secret or a code flaw is (src/model/code.ts CodeLocation): a file, line and column (1-based). */
export interface CodeLocation {
  path: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  /** the image layer that brought the file */
  layer?: { digest: string; index?: number; createdBy?: string };
  /** a secret found in a repository's history: the commit that added it (it may be gone from HEAD) */
  commit?: { id: string; author: string; date: string; inHead: boolean };
}

/** details.secret of a 'secret' finding. The secret itself is never stored: a prefix and a sha256 identify it. */
export interface SecretDetails {
  rule: string;
  provider: string;
  confidence: 'verified' | 'format' | 'entropy';
  prefix: string;
  /** sha256 of the whole secret, hex */
  hash: string;
  length: number;
  note?: string;
  location: CodeLocation;
  /** the line, the secret masked */
  snippet: string;
}

/** One step of a taint trace (src/model/code.ts TraceStep). */
export interface TraceStep {
  kind: 'source' | 'propagation' | 'call' | 'sink';
  location: CodeLocation;
  label: string;
}

/** details.code of a 'code_vulnerability' finding. */
export interface CodeDetails {
  rule: string;
  language: 'python' | 'javascript' | 'typescript';
  /** ["CWE-78"] */
  cwe: string[];
  location: CodeLocation;
  snippet: string;
  /** source → … → sink; empty for flaws that need no taint */
  trace: TraceStep[];
  remediation: string;
  /** a mechanical fix: the text to put in place of the snippet's range */
  fix?: { description: string; replacement?: string };
  /** where the tainted data comes from: a remote user (request, event) or the local machine (environment, files) */
  source?: 'remote' | 'local';
}

// ─── CIS benchmark scans (issue 18; src/server/schemas-cis.ts) ─────────────────────────────────

export const CIS_WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type CisWeekday = (typeof CIS_WEEKDAYS)[number];
export interface CisStartTime { timeOfDay: string; timezone: string }
export type CisSchedule =
  | { oneTime: Record<string, never> }
  | { daily: { startTime: CisStartTime } }
  | { weekly: { days: CisWeekday[]; startTime: CisStartTime } }
  | { monthly: { day: CisWeekday; startTime: CisStartTime } };
export const CIS_RESOURCE_TYPES = ['host', 'rootfs', 'image'] as const;
export type CisResourceType = (typeof CIS_RESOURCE_TYPES)[number];
export type CisLevel = 'LEVEL_1' | 'LEVEL_2';
export interface CisTargets {
  accountIds: string[];
  resourceTags?: Record<string, string[]>;
  resourceTypes?: CisResourceType[];
}
/** POST /v1/cis/scan-configurations (PATCH: any part of it) */
export interface CisConfigInput {
  name: string;
  securityLevel: CisLevel;
  schedule: CisSchedule;
  targets: CisTargets;
}
export interface CisConfig extends CisConfigInput {
  id: string;
  accountId: string;
  status: 'ACTIVE' | 'DONE';
  nextRunAt: string | null;
  lastRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface CisCounts { passed: number; failed: number; skipped: number; errors: number; manual: number }
export interface CisScan {
  id: string;
  configurationId: string;
  accountId: string;
  name: string;
  securityLevel: CisLevel;
  status: 'IN_PROGRESS' | 'COMPLETED' | 'CANCELLED';
  scheduledBy: 'schedule' | 'api';
  scanDate: string;
  completedAt: string | null;
  targets: { total: number; done: number };
  checks: CisCounts & { total: number };
}
export const CIS_TARGET_STATUSES = ['QUEUED', 'IN_PROGRESS', 'COMPLETED', 'SKIPPED', 'FAILED', 'CANCELLED'] as const;
export type CisTargetStatus = (typeof CIS_TARGET_STATUSES)[number];
export interface CisTarget {
  scanId: string;
  resourceId: string;
  accountId: string;
  resourceType: string;
  resourceName: string;
  benchmarkId: string | null;
  status: CisTargetStatus;
  reason: string | null;
  message: string | null;
  collectedAt: string | null;
  counts: CisCounts;
  startedAt: string | null;
  completedAt: string | null;
}
export const CIS_CHECK_STATUSES = ['PASS', 'FAIL', 'NOT_APPLICABLE', 'ERROR', 'MANUAL'] as const;
export type CisCheckStatus = (typeof CIS_CHECK_STATUSES)[number];
export interface CisCheckAggregate { checkId: string; title: string; level: number; counts: Record<CisCheckStatus, number> }
export interface CisEvidence { path?: string; line?: number; found?: string; expected?: string; message: string }
export interface CisResult {
  resourceId: string;
  resourceName: string;
  resourceType: string;
  accountId: string;
  benchmarkId: string | null;
  checkId: string;
  title: string;
  level: number;
  status: CisCheckStatus;
  evidence: CisEvidence[];
}
export interface CisResults { items: CisResult[]; nextOffset: number | null }
export interface CisTrendPoint extends CisCounts {
  scanId: string;
  configurationId: string;
  name: string;
  scanDate: string;
  status: string;
  /** passed / (passed + failed), percent; null when neither */
  passRate: number | null;
}
/** GET/PUT/DELETE /v1/resources/{id}/tags */
export interface ResourceTagsView { resourceId: string; tags: Record<string, string> }

// ---------------------------------------------------------------------------------------------
// Issue 19: event destinations, findings reports, report schedules, gating, running workloads

export const EVENT_TYPES = ['finding.created', 'finding.updated', 'finding.closed', 'scan.completed', 'coverage.changed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const DESTINATION_KINDS = ['webhook', 'slack', 'teams', 'jira'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];
export const WEBHOOK_FORMATS = ['cloudevents', 'ocsf', 'asff'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];
/** the severities a destination filters on (engine/delivery.ts SEVERITIES) */
export const EVENT_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED'] as const;
export const EVENT_RESOURCE_TYPES = ['image', 'host', 'function', 'repository', 'rootfs'] as const;

export interface DestinationFilters {
  eventTypes?: EventType[];
  severities?: (typeof EVENT_SEVERITIES)[number][];
  findingTypes?: string[];
  resourceTypes?: (typeof EVENT_RESOURCE_TYPES)[number][];
  resourceTags?: Record<string, string[]>;
}

/** GET /v1/event-destinations/{id} */
export interface EventDestination {
  id: string;
  accountId: string;
  name: string;
  kind: DestinationKind;
  url: string;
  format: WebhookFormat;
  consoleUrl?: string;
  aws?: { accountId: string; region: string };
  jira?: { projectKey: string; issueType: string; email: string; closeTransition: string };
  filters: DestinationFilters;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** the creation answer only: the HMAC key of Vigil-Signature */
  secret?: string;
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'DEAD';
export interface EventDelivery {
  id: string;
  destinationId: string;
  eventId: number;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  responseStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

export type ExportDestinationView =
  | { kind: 's3'; bucket: string; prefix?: string; region: string; endpoint?: string; forcePathStyle?: boolean; accessKeyId: string; serverSideEncryption?: string; kmsKeyId?: string }
  | { kind: 'directory'; path: string };
export type ExportDestinationInput = ExportDestinationView extends infer D ? (D extends { kind: 's3' } ? D & { secretAccessKey: string } : D) : never;

export const FINDINGS_REPORT_FORMATS = ['csv', 'json', 'ocsf', 'asff'] as const;
export type FindingsReportFormat = (typeof FINDINGS_REPORT_FORMATS)[number];
export interface FindingsReport {
  id: string;
  accountId: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  format: FindingsReportFormat;
  /** format asff: the Security Hub account and region */
  aws?: { accountId: string; region: string };
  filter: Record<string, unknown>;
  destination?: ExportDestinationView;
  findings?: number;
  location?: string;
  size?: number;
  error?: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  expiresAt: string;
  downloadUrl?: string;
}

export type DigestSchedule =
  | { daily: { startTime: { timeOfDay: string; timezone: string } } }
  | { weekly: { days: CisWeekday[]; startTime: { timeOfDay: string; timezone: string } } };
export interface ReportSchedule {
  id: string;
  accountId: string;
  name: string;
  schedule: DigestSchedule;
  recipients: string[];
  destinationId: string | null;
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface ReportRun {
  id: string;
  scheduleId: string;
  trigger: 'schedule' | 'api';
  status: 'QUEUED' | 'SENT' | 'FAILED';
  periodFrom: string;
  periodTo: string;
  attempts: number;
  error: string | null;
  summary: Record<string, unknown> | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface GatePolicyView {
  accountId: string;
  name: string;
  format: 'yaml' | 'json';
  source: string;
  policy: { mode: 'enforce' | 'audit'; failurePolicy: 'open' | 'closed'; unknownImages: 'allow' | 'deny'; rules: Record<string, unknown>[]; exemptions: Record<string, unknown[] | undefined> };
  admissionPath: string;
  token?: string;
  createdAt: string;
  updatedAt: string;
}
export interface GateVerdict {
  image: string;
  policy: string;
  accountId: string;
  resolved: { resourceId: string; name: string; digest: string | null; tags: string[]; lastScannedAt: string } | null;
  unknownReason?: string;
  allowed: boolean;
  mode: 'enforce' | 'audit';
  reasons: { rule: string; findingId?: string; vulnerabilityId: string; severity: Severity | null; message: string }[];
  exempted: { kind: 'vulnerability' | 'suppressed' | 'workload' | 'expired'; findingId?: string; vulnerabilityId?: string; reason: string }[];
  evaluated: number;
}

export interface WorkloadCluster {
  id: string;
  accountId: string;
  name: string;
  server: string;
  caData: boolean;
  intervalMinutes: number;
  nextPollAt: string;
  lastPolledAt: string | null;
  lastError: string | null;
  createdAt: string;
}
export interface WorkloadSnapshot { cluster: string; containers: number; running: number; resolved: number; images: number; rescored: number; scan: string[] }
