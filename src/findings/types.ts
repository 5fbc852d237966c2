/**
 * Types of the continuous findings core: resources, finding statuses, suppression criteria, and
 * what each operation reports.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';

export const RESOURCE_TYPES = ['image', 'host', 'function', 'repository', 'rootfs'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export type FindingStatus = 'ACTIVE' | 'SUPPRESSED' | 'CLOSED';
export type CoverageStatus = 'ACTIVE' | 'INACTIVE';
export type EventType = 'finding.created' | 'finding.updated' | 'finding.closed' | 'scan.completed' | 'coverage.changed';

/** How long a CLOSED finding may reopen under the same id, and how long it is kept. */
export const REOPEN_WINDOW_MS = 7 * 86_400_000;
export const CLOSED_RETENTION_MS = 30 * 86_400_000;

/** A resource as the scanner names it. */
export interface ResourceInput {
  /** stable id; derived from (account, type, name, digest or ref) when absent */
  id?: string;
  type: ResourceType;
  /**
   * the name that stays the same across versions: an image repository ("registry:5000/app"), a host
   * name, a function name, a repository URL. Suppression rules match it, so they keep applying to
   * new digests of the same repository.
   */
  name: string;
  ref?: string;
  digest?: string;
  /** image tags and key=value labels */
  tags?: string[];
}

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const;
const patterns = z.array(z.string().min(1)).min(1);

/**
 * A suppression rule's filter. Every criterion given must hold (AND); a list holds when any of its
 * entries matches (OR). String entries are exact, or globs where `*` matches any run of characters.
 */
export const suppressionCriteriaSchema = z.strictObject({
  severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
  /** inclusive bounds on the CVSS base score; a finding without a score never matches a score range */
  score: z.strictObject({ min: z.number().min(0).max(10).optional(), max: z.number().min(0).max(10).optional() }).optional(),
  /** the vulnerability (alias group) id, the advisory id, or any alias; case-insensitive */
  vulnerabilityIds: patterns.optional(),
  /** package name (normalized as the ecosystem does) and version, each a pattern */
  packages: z.array(z.strictObject({ ecosystem: z.string().min(1).optional(), name: z.string().min(1).optional(), version: z.string().min(1).optional() })).min(1).optional(),
  resourceTypes: z.array(z.enum(RESOURCE_TYPES)).min(1).optional(),
  /** exact resource ids (one digest of an image); prefer resourceNames to follow new versions */
  resourceIds: patterns.optional(),
  /** resource names (image repository, host name, …): keep applying to new versions */
  resourceNames: patterns.optional(),
  /** any tag of the resource matches any pattern ("latest", "env=prod", "team=*") */
  resourceTags: patterns.optional(),
  /** accounts (for rules an organization's delegated admin writes for member accounts) */
  accountIds: patterns.optional(),
  fixAvailable: z.boolean().optional(),
  exploitAvailable: z.boolean().optional(),
  /** layer digests (or patterns) the package came from */
  layers: patterns.optional(),
  /** the package's location (file path) */
  paths: patterns.optional(),
});
export type SuppressionCriteria = z.infer<typeof suppressionCriteriaSchema>;

export interface SuppressionRule {
  id: string;
  accountId: string;
  name: string;
  reason: string;
  criteria: SuppressionCriteria;
  expiresAt: string | null;
  createdAt: string;
}

/** What one lifecycle pass changed. */
export interface LifecycleCounts {
  created: number;
  updated: number;
  reopened: number;
  closed: number;
  unchanged: number;
}

export interface RecordScanSummary extends LifecycleCounts {
  resourceId: string;
  packages: number;
  findings: number;
}

export interface RematchSummary extends LifecycleCounts {
  /** (ecosystem, name) pairs read from the change set (0 for a full rematch) */
  changedPackages: number;
  resources: number;
  packages: number;
  durationMs: number;
}

/** A transaction or the store's Kysely handle. */
export type Db = Kysely<Database>;
