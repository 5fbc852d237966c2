/**
 * The rule editor's state: one field per criterion of suppressionCriteriaSchema
 * (src/findings/types.ts), as the form's controls hold them (lists as text, one entry a line),
 * converted to and from the API's criteria.
 */
import { RESOURCE_TYPES, SEVERITIES, type ResourceType, type Severity, type SuppressionCriteria, type SuppressionRule } from '../../types.ts';

export type TriState = '' | 'true' | 'false';

/** criteria held as lists of patterns (one per line in the form) */
export const LIST_FIELDS = [
  { key: 'vulnerabilityIds', label: 'Vulnerability ids', hint: 'CVE, GHSA or any alias; * globs', placeholder: 'CVE-2024-3094, GHSA-*' },
  { key: 'resourceNames', label: 'Resource names', hint: 'image repository, host, function or repository name; follows new versions', placeholder: 'registry:5000/app, registry:5000/team-*' },
  { key: 'resourceIds', label: 'Resource ids', hint: 'one exact resource (one image digest); prefer names', placeholder: '' },
  { key: 'resourceTags', label: 'Resource tags', hint: 'image tags and key=value labels', placeholder: 'latest, env=prod, team=*' },
  { key: 'layers', label: 'Layer digests', hint: 'the image layer the package came from', placeholder: 'sha256:…' },
  { key: 'paths', label: 'File paths', hint: "the package's location", placeholder: '/usr/lib/node_modules/*' },
  { key: 'accountIds', label: 'Accounts', hint: 'exact account ids in sight (delegated admin: rules for member accounts)', placeholder: '' },
] as const;
export type ListKey = (typeof LIST_FIELDS)[number]['key'];

export interface PackageRow {
  ecosystem: string;
  name: string;
  version: string;
}

export interface RuleForm {
  name: string;
  reason: string;
  /** the owning account (delegated admin only; '' = the caller's) */
  accountId: string;
  /** datetime-local value (the browser's time zone), '' = never */
  expiresAt: string;
  severities: Severity[];
  scoreMin: string;
  scoreMax: string;
  resourceTypes: ResourceType[];
  packages: PackageRow[];
  fixAvailable: TriState;
  exploitAvailable: TriState;
  lists: Record<ListKey, string>;
}

const emptyLists = (): Record<ListKey, string> => Object.fromEntries(LIST_FIELDS.map((f) => [f.key, ''])) as Record<ListKey, string>;

export function emptyForm(): RuleForm {
  return { name: '', reason: '', accountId: '', expiresAt: '', severities: [], scoreMin: '', scoreMax: '', resourceTypes: [], packages: [], fixAvailable: '', exploitAvailable: '', lists: emptyLists() };
}

/** "2026-01-31T18:00" in the browser's zone, for a datetime-local control */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function formFromCriteria(c: SuppressionCriteria, rule?: Pick<SuppressionRule, 'name' | 'reason' | 'accountId' | 'expiresAt'>): RuleForm {
  const f = emptyForm();
  if (rule) {
    f.name = rule.name;
    f.reason = rule.reason;
    f.accountId = rule.accountId;
    f.expiresAt = toLocalInput(rule.expiresAt);
  }
  f.severities = [...(c.severities ?? [])];
  f.scoreMin = c.score?.min !== undefined ? String(c.score.min) : '';
  f.scoreMax = c.score?.max !== undefined ? String(c.score.max) : '';
  f.resourceTypes = RESOURCE_TYPES.filter((t) => c.resourceTypes?.includes(t));
  f.packages = (c.packages ?? []).map((p) => ({ ecosystem: p.ecosystem ?? '', name: p.name ?? '', version: p.version ?? '' }));
  f.fixAvailable = c.fixAvailable === undefined ? '' : c.fixAvailable ? 'true' : 'false';
  f.exploitAvailable = c.exploitAvailable === undefined ? '' : c.exploitAvailable ? 'true' : 'false';
  for (const { key } of LIST_FIELDS) f.lists[key] = (c[key] ?? []).join('\n');
  return f;
}

const splitList = (s: string) => s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

/** The criteria the form says, and the problems the server would refuse (by field label). */
export function criteriaFromForm(f: RuleForm): { criteria: SuppressionCriteria; problems: string[] } {
  const c: SuppressionCriteria = {};
  const problems: string[] = [];
  const severities = SEVERITIES.filter((s) => f.severities.includes(s));
  if (severities.length) c.severities = severities;
  const score = (label: string, v: string): number | undefined => {
    if (v.trim() === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || n > 10) {
      problems.push(`${label} must be a number from 0 to 10`);
      return undefined;
    }
    return n;
  };
  const min = score('Minimum score', f.scoreMin);
  const max = score('Maximum score', f.scoreMax);
  if (min !== undefined && max !== undefined && min > max) problems.push('Minimum score must not be above the maximum');
  if (min !== undefined || max !== undefined) c.score = { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  const types = RESOURCE_TYPES.filter((t) => f.resourceTypes.includes(t));
  if (types.length) c.resourceTypes = types;
  const packages = f.packages
    .map((p) => ({ ecosystem: p.ecosystem.trim(), name: p.name.trim(), version: p.version.trim() }))
    .filter((p) => p.ecosystem || p.name || p.version)
    .map((p) => ({ ...(p.ecosystem ? { ecosystem: p.ecosystem } : {}), ...(p.name ? { name: p.name } : {}), ...(p.version ? { version: p.version } : {}) }));
  if (packages.length) c.packages = packages;
  if (f.fixAvailable) c.fixAvailable = f.fixAvailable === 'true';
  if (f.exploitAvailable) c.exploitAvailable = f.exploitAvailable === 'true';
  for (const { key } of LIST_FIELDS) {
    const v = splitList(f.lists[key]);
    if (v.length) c[key] = v;
  }
  return { criteria: c, problems };
}

/** The datetime-local value as an ISO instant, or null (never expires). */
export function expiryIso(f: RuleForm): string | null {
  if (!f.expiresAt) return null;
  const d = new Date(f.expiresAt);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
