/**
 * The input of every formatter: a finding exactly as `GET /v1/findings/{id}` answers it, and an event
 * as `GET /v1/events` lists it. Defined here, not imported from server/, because dependencies point
 * from server to integrations (DESIGN.md); src/server/formats.test.ts checks that the API's own
 * types satisfy these and that real API answers go through every formatter.
 *
 * Only what the formatters read is named; the API's objects carry more and are accepted as they are.
 */

export type FindingSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE' | 'UNKNOWN';
export type FindingStatus = 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';

/** Where a secret or a code flaw is (src/model/code.ts CodeLocation as the API shows it). */
export interface CodeLocationView {
  path: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
  layer?: { digest: string };
  commit?: { id: string; author: string; date: string; inHead: boolean };
}

export interface FindingDetailsView {
  advisories: string[];
  aliases: string[];
  summary?: string;
  cvss?: { version: string; vector: string; score: number; source: string };
  references?: string[];
  /** network_reachability findings */
  networkReachability?: {
    protocol: string;
    openPortRange: { begin: number; end: number };
    addressFamily: string;
    sources: string[];
    networkPath: { steps: { componentId: string; componentType: string }[] };
    explanation: string;
    source: string;
    instanceId?: string;
    listeners?: { protocol: string; address: string; port: number; process?: string }[];
  };
  /** secret findings: never the secret itself */
  secret?: { rule: string; provider: string; confidence: string; prefix: string; hash: string; length: number; location: CodeLocationView; snippet: string };
  /** code_vulnerability findings */
  code?: { rule: string; language: string; cwe: string[]; location: CodeLocationView; snippet: string; remediation: string; trace?: { kind: string; location: CodeLocationView; label: string }[]; fix?: { description: string; replacement?: string } };
}

/** A finding as the API answers `GET /v1/findings/{id}`. */
export interface FindingView {
  id: string;
  accountId: string;
  resource: { id: string; type: string; name: string; ref: string | null; digest: string | null };
  /** vulnerability | malicious | network_reachability | secret | code_vulnerability */
  type: string;
  vulnerabilityId: string;
  advisoryId: string;
  package: { ecosystem: string; name: string; version: string; purl: string | null; location: string; layer: string | null };
  severity: FindingSeverity;
  score: number | null;
  epss: number | null;
  fixAvailable: boolean;
  fixAvailability: 'YES' | 'NO' | 'PARTIAL';
  title: string;
  fixedVersion: string | null;
  exploitAvailable: boolean;
  status: FindingStatus;
  suppressedBy: string | null;
  firstObservedAt: string;
  lastObservedAt: string;
  updatedAt: string;
  closedAt: string | null;
  details: FindingDetailsView;
}

export const FINDING_EVENT_TYPES = ['finding.created', 'finding.updated', 'finding.closed'] as const;
export type FindingEventType = (typeof FINDING_EVENT_TYPES)[number];

/** An event of the outbox as `GET /v1/events` lists it (only the finding events are formatted). */
export interface EventView {
  id: number;
  type: string;
  accountId: string;
  resourceId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

/** What every formatter needs besides the finding. */
export interface FormatContext {
  /** Vigil's version, for OCSF metadata.product.version and the chat footers */
  vigilVersion: string;
  /** the console's base URL (`https://vigil.example.com`); links to `/findings/<id>` are made when given */
  consoleUrl?: string;
}
