/**
 * The OSV schema (https://ossf.github.io/osv-schema/, version 1.7) as a zod schema: every record
 * from outside goes through it once. Unknown top-level fields are kept (newer schema versions add
 * fields); the shapes matching depends on are checked strictly.
 */
import { z } from 'zod';

// RFC 3339 date-time; OSV requires UTC ("Z"), but offsets are accepted as real feeds use them
const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, 'must be an RFC 3339 date-time');

const severity = z.object({
  type: z.enum(['CVSS_V2', 'CVSS_V3', 'CVSS_V4', 'Ubuntu']),
  score: z.string().min(1),
});

const event = z.union([
  z.object({ introduced: z.string().min(1) }).strict(),
  z.object({ fixed: z.string().min(1) }).strict(),
  z.object({ last_affected: z.string().min(1) }).strict(),
  z.object({ limit: z.string().min(1) }).strict(),
], { error: 'each event must have exactly one of introduced, fixed, last_affected, limit' });

const range = z.object({
  type: z.enum(['GIT', 'SEMVER', 'ECOSYSTEM']),
  repo: z.string().optional(),
  events: z.array(event).min(1),
  database_specific: z.record(z.string(), z.unknown()).optional(),
}).superRefine((r, ctx) => {
  if (r.type === 'GIT' && !r.repo) ctx.addIssue({ code: 'custom', message: 'a GIT range requires "repo"' });
  if (!r.events.some((e) => 'introduced' in e)) ctx.addIssue({ code: 'custom', message: 'a range must contain an "introduced" event' });
  if (r.events.some((e) => 'fixed' in e) && r.events.some((e) => 'last_affected' in e)) {
    ctx.addIssue({ code: 'custom', message: 'a range must not contain both "fixed" and "last_affected"' });
  }
});

const affected = z.object({
  package: z.object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() }).optional(),
  severity: z.array(severity).nullish(),
  ranges: z.array(range).optional(),
  versions: z.array(z.string()).optional(),
  ecosystem_specific: z.record(z.string(), z.unknown()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export const osvRecordSchema = z.looseObject({
  schema_version: z.string().optional(),
  id: z.string().min(1).regex(/^[^\s/\\]+$/, 'id must not contain whitespace or slashes'),
  modified: dateTime,
  published: dateTime.optional(),
  withdrawn: dateTime.optional(),
  aliases: z.array(z.string()).nullish(),
  upstream: z.array(z.string()).optional(),
  related: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(severity).nullish(),
  affected: z.array(affected).nullish(),
  references: z.array(z.object({ type: z.string(), url: z.string() })).nullish(),
  credits: z.array(z.looseObject({ name: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

/** Formats zod issues as one line: `affected[0].ranges[1]: a GIT range requires "repo"`. */
export function describeIssues(err: z.ZodError): string {
  return err.issues.slice(0, 3).map((i) => `${i.path.length ? formatPath(i.path) + ': ' : ''}${i.message}`).join('; ');
}

function formatPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + String(p))).join('');
}
