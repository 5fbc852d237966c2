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
