/** Stable identities: resource ids, finding keys and finding ids. */
import { hash } from 'node:crypto';

/** (`hash` is the one-shot form of createHash: the same digest, a third of the cost for short input) */
const h = (parts: string[]) => hash('sha256', parts.join('\u0000'), 'hex');

/** The id of a resource the caller did not name: one per (account, type, name, digest or ref). */
export function resourceIdOf(accountId: string, r: { type: string; name: string; digest?: string; ref?: string }): string {
  return `res-${h([accountId, r.type, r.name, r.digest ?? r.ref ?? '']).slice(0, 32)}`;
}

/**
 * The key of a secret, code or network finding: (account, resource, type, vulnerability id,
 * `ecosystem/name@location`) — for these the location (file, port) is what the finding is about.
 * Package findings are keyed by {@link packageFindingKeyOf}.
 */
export function findingKeyOf(accountId: string, resourceId: string, type: string, vulnerabilityId: string, ecosystem: string, packageName: string, location: string): string {
  return h([accountId, resourceId, type, vulnerabilityId, `${ecosystem}/${packageName}@${location}`]);
}

/**
 * A package finding's key (issue 20): (account, resource, type, vulnerability id, package
 * `ecosystem/name`). Repeated scans and rematches of the same resource compute the same key, so
 * they update instead of duplicating. Neither the installed version nor the location is part of it:
 * an upgrade that stays vulnerable is the same finding, updated; a package that a lockfile and its
 * node_modules both list, or two projects of one image that both lock it, is ONE finding listing
 * every location (details.locations; Inspector's list of file paths). The ecosystem is:
 * "AlmaLinux:8/foo" and "AlmaLinux:9/foo" in one rpm database are two packages. Keys stored before
 * (`ecosystem/name@location`, FINDING_KEYS "fixed-vulnerabilities-1") are carried over by the
 * lifecycle (lifecycle.ts, applyFindings) at the engine's re-keying rematch or the next scan.
 */
export function packageFindingKeyOf(accountId: string, resourceId: string, type: string, vulnerabilityId: string, ecosystem: string, packageName: string): string {
  return h([accountId, resourceId, type, vulnerabilityId, `${ecosystem}/${packageName}`]);
}

/** A new finding's id: from its key and the time it was first observed (a key seen again after the reopen window gets a new id). */
export function findingIdOf(key: string, firstObservedAt: string): string {
  return `fnd-${h([key, firstObservedAt]).slice(0, 32)}`;
}
