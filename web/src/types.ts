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
  package: { ecosystem: string; name: string; version: string; purl: string | null; location: string; layer: string | null };
  severity: Severity;
  score: number | null;
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
