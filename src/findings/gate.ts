/**
 * Gating (issue 19): one policy format and one evaluator, used by the Kubernetes admission webhook
 * and the registry gate API (server/routes/gate.ts) and by `vigil gate` (cli/gate.ts), so the three
 * cannot disagree. The evaluator is a pure function of the policy, the image's findings and the
 * context (clock, workload namespace and labels); where the findings come from is the caller's
 * business: {@link gateFindingsOfScan} for a scan result, {@link gateFindingsOfResource} for a
 * resource the server knows. Format and examples: docs/gating.md.
 */
import { z } from 'zod';
import { VigilError } from '../model/errors.ts';
import { parseYaml } from '../model/yaml.ts';
import { SEVERITY_ORDER, type ScanResult, type Severity } from '../model/scan.ts';
import type { Db } from './types.ts';

/** Finding types as stored (`findings.type`). */
export const GATE_FINDING_TYPES = ['vulnerability', 'malicious', 'secret', 'code_vulnerability', 'network_reachability'] as const;
export type GateFindingType = (typeof GATE_FINDING_TYPES)[number];
/** Inspector's names (PACKAGE_VULNERABILITY, …) are accepted too, in any case. */
const TYPE_ALIASES: Record<string, GateFindingType> = {
  vulnerability: 'vulnerability', package_vulnerability: 'vulnerability',
  malicious: 'malicious', malicious_package: 'malicious',
  secret: 'secret', code_vulnerability: 'code_vulnerability', code: 'code_vulnerability',
  network_reachability: 'network_reachability',
};

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN'] as const;
const severityField = z.string().transform((s, ctx) => {
  const u = s.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(u)) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${SEVERITIES.join(', ')} (got ${JSON.stringify(s)})` });
    return z.NEVER;
  }
  return u as Severity;
});
const typeField = z.string().transform((s, ctx) => {
  const t = TYPE_ALIASES[s.toLowerCase()];
  if (!t) {
    ctx.addIssue({ code: 'custom', message: `must be one of ${Object.keys(TYPE_ALIASES).join(', ')} (got ${JSON.stringify(s)})` });
    return z.NEVER;
  }
  return t;
});
/** a date (YYYY-MM-DD, the end of that day UTC) or an ISO date-time */
const dateField = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const s = v instanceof Date ? v.toISOString() : v;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T23:59:59.999Z` : s;
  const t = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) {
    ctx.addIssue({ code: 'custom', message: `must be a date (YYYY-MM-DD) or an ISO date-time (got ${JSON.stringify(s)})` });
    return z.NEVER;
  }
  return new Date(t).toISOString();
});

/** One deny rule: a finding violates it when every condition given holds. */
export const gateRuleSchema = z.strictObject({
  name: z.string().min(1).max(100).optional(),
  /** severity at or above this one */
  severity: severityField.optional(),
  /** Vigil score (or CVSS when unscored) at or above; a finding without a score never matches */
  score: z.number().min(0).max(10).optional(),
  /** true: only findings with a fix available count; false: only those without */
  fixAvailable: z.boolean().optional(),
  /** true: only known exploited (CISA KEV) count; false: only those not known exploited */
  kev: z.boolean().optional(),
  /** only findings first observed at least this many days ago count (a grace period for fixing) */
  age: z.number().int().min(0).max(36500).optional(),
  /** finding types (default: all) */
  types: z.array(typeField).min(1).optional(),
});

const labelKey = z.string().min(1).max(317).regex(/^([a-zA-Z0-9.-]+\/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?$/, 'must be a Kubernetes label key');
/** A Kubernetes label selector (metav1.LabelSelector). */
export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(labelKey, z.string().max(63)).optional(),
  matchExpressions: z.array(z.strictObject({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(z.string()).optional(),
  }).superRefine((e, ctx) => {
    const needs = e.operator === 'In' || e.operator === 'NotIn';
    if (needs && !e.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} needs values` });
    if (!needs && e.values?.length) ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${e.operator} takes no values` });
  })).optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const gatePolicySchema = z.strictObject({
  apiVersion: z.literal('vigil.dev/v1').optional(),
  kind: z.literal('GatePolicy').optional(),
  /** enforce: violations deny; audit: violations are reported (admission warnings) and allowed */
  mode: z.enum(['enforce', 'audit']).default('enforce'),
  /** when the verdict cannot be made (store down, timeout): open allows, closed denies */
  failurePolicy: z.enum(['open', 'closed']).default('closed'),
  /** an image the server has no scan of: allow or deny */
  unknownImages: z.enum(['allow', 'deny']).default('deny'),
  /** any finding violating any rule violates the policy */
  rules: z.array(gateRuleSchema).min(1).max(100),
  exemptions: z.strictObject({
    /** findings of these vulnerabilities (id, advisory id or any alias; case-insensitive) never violate */
    vulnerabilities: z.array(z.strictObject({
      id: z.string().min(1).max(200),
      /** after this date (end of day UTC) the exemption no longer applies */
      expires: dateField.optional(),
      reason: z.string().max(1000).optional(),
    })).max(10_000).optional(),
    /** workloads (admission only) in these namespaces or matching these selectors are not gated */
    workloads: z.array(z.strictObject({
      namespaces: z.array(z.string().min(1).max(63)).min(1).optional(),
      selector: labelSelectorSchema.optional(),
      reason: z.string().max(1000).optional(),
    }).refine((w) => w.namespaces || w.selector, { message: 'give namespaces, a selector, or both' })).max(1000).optional(),
  }).default({}),
});
export type GatePolicy = z.output<typeof gatePolicySchema>;
export type GatePolicyInput = z.input<typeof gatePolicySchema>;
export type GateRule = GatePolicy['rules'][number];

/**
 * Reads a policy from YAML or JSON text (JSON is YAML).
 * @throws VigilError VIGIL_INVALID_INPUT naming `input` and the first bad field (rule "gate-policy"),
 *   or rule "yaml" when the text is not YAML
 */
export function parseGatePolicy(text: string, input: string): GatePolicy {
  const { value } = parseYaml(text, input);
  return validateGatePolicy(value, input);
}

/**
 * Validates a parsed policy object.
 * @throws VigilError VIGIL_INVALID_INPUT naming `input` and the field, rule "gate-policy"
 */
export function validateGatePolicy(value: unknown, input: string): GatePolicy {
  const r = gatePolicySchema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : '(the policy)'}: ${i.message}`);
  const first = r.error.issues[0];
  throw new VigilError('VIGIL_INVALID_INPUT', `gate policy ${input}: ${issues.join('; ')}`, { input: first?.path.length ? first.path.join('.') : input, rule: 'gate-policy' });
}

/** A finding as the gate sees it, whatever produced it. */
export interface GateFinding {
  /** the stored finding's id (server); absent for a CLI scan */
  id?: string;
  type: GateFindingType;
  /** alias group id (CVE when there is one), or the rule of a secret or code finding */
  vulnerabilityId: string;
  /** the advisory and every alias, for exemptions */
  aliases: string[];
  severity: Severity;
  score: number | null;
  fixAvailable: boolean;
  kev: boolean;
  /** ISO time; absent means "now" (a fresh scan) */
  firstObservedAt?: string;
  package?: { name: string; version: string };
  /** suppressed by a rule or an ignore file: never violates, listed as exempted */
  suppressed?: string;
}

export interface GateContext {
  now: Date;
  /** admission only: the workload's namespace and labels */
  workload?: { namespace?: string; labels?: Record<string, string> };
}

export interface GateReason {
  rule: string;
  findingId?: string;
  vulnerabilityId: string;
  severity: Severity | null;
  message: string;
}

export interface GateExemption {
  /** vulnerability | suppressed | workload | expired (an exemption past its date, reported but not applied) */
  kind: 'vulnerability' | 'suppressed' | 'workload' | 'expired';
  findingId?: string;
  vulnerabilityId?: string;
  reason: string;
}

export interface GateVerdict {
  /** the answer to act on: false only in enforce mode with violations (or unknown/failed per policy) */
  allowed: boolean;
  mode: GatePolicy['mode'];
  /** what violated (in audit mode too: those are the warnings) */
  reasons: GateReason[];
  exempted: GateExemption[];
  /** findings looked at */
  evaluated: number;
}

const rank = (s: Severity): number => SEVERITY_ORDER.indexOf(s);
const DAY_MS = 86_400_000;

/** Does a Kubernetes label selector select these labels? (an empty selector selects everything) */
export function selectorMatches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    switch (e.operator) {
      case 'In': if (!has || !e.values!.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && e.values!.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

function describeRule(r: GateRule): string {
  const parts: string[] = [];
  if (r.severity) parts.push(`severity ≥ ${r.severity}`);
  if (r.score !== undefined) parts.push(`score ≥ ${r.score}`);
  if (r.fixAvailable !== undefined) parts.push(r.fixAvailable ? 'fix available' : 'no fix');
  if (r.kev !== undefined) parts.push(r.kev ? 'known exploited' : 'not known exploited');
  if (r.age !== undefined) parts.push(`open ≥ ${r.age} days`);
  if (r.types) parts.push(`type ${r.types.join('|')}`);
  return parts.length ? parts.join(', ') : 'any finding';
}

function ruleHolds(r: GateRule, f: GateFinding, now: Date): boolean {
  if (r.severity && rank(f.severity) > rank(r.severity)) return false;
  if (r.score !== undefined && (f.score === null || f.score < r.score)) return false;
  if (r.fixAvailable !== undefined && f.fixAvailable !== r.fixAvailable) return false;
  if (r.kev !== undefined && f.kev !== r.kev) return false;
  if (r.age !== undefined) {
    const first = f.firstObservedAt ? Date.parse(f.firstObservedAt) : now.getTime();
    if (now.getTime() - first < r.age * DAY_MS) return false;
  }
  if (r.types && !r.types.includes(f.type)) return false;
  return true;
}

const ruleName = (r: GateRule, i: number): string => r.name ?? `rules[${i}]`;

/**
 * The verdict of a policy on an image's findings. `findings` null: the image is unknown (no scan of
 * it), decided by `unknownImages`. Reasons and exemptions come sorted (severity, then
 * vulnerability, then finding id), so two callers with the same findings give the same answer.
 */
export function evaluateGate(policy: GatePolicy, findings: readonly GateFinding[] | null, ctx: GateContext): GateVerdict {
  const reasons: GateReason[] = [];
  const exempted: GateExemption[] = [];
  const verdict = (): GateVerdict => ({ allowed: policy.mode === 'audit' || reasons.length === 0, mode: policy.mode, reasons, exempted, evaluated: findings?.length ?? 0 });

  const w = ctx.workload;
  if (w) {
    const labels = w.labels ?? {};
    for (const ex of policy.exemptions.workloads ?? []) {
      const nsOk = !ex.namespaces || (w.namespace !== undefined && ex.namespaces.includes(w.namespace));
      const selOk = !ex.selector || selectorMatches(ex.selector, labels);
      if (nsOk && selOk) {
        exempted.push({ kind: 'workload', reason: ex.reason ?? `workload exempted (${[ex.namespaces ? `namespace ${ex.namespaces.join('|')}` : '', ex.selector ? 'label selector' : ''].filter(Boolean).join(', ')})` });
        return verdict();
      }
    }
  }
  if (findings === null) {
    if (policy.unknownImages === 'deny') reasons.push({ rule: 'unknownImages', vulnerabilityId: '', severity: null, message: 'the image has not been scanned (unknownImages: deny)' });
    return verdict();
  }

  const nowMs = ctx.now.getTime();
  const vulnEx = new Map<string, { expires?: string; reason?: string; id: string }>();
  for (const v of policy.exemptions.vulnerabilities ?? []) vulnEx.set(v.id.toUpperCase(), v);
  const sorted = [...findings].sort((a, b) => rank(a.severity) - rank(b.severity) || a.vulnerabilityId.localeCompare(b.vulnerabilityId) || (a.id ?? '').localeCompare(b.id ?? '') || (a.package?.name ?? '').localeCompare(b.package?.name ?? ''));
  for (const f of sorted) {
    const hits = policy.rules.map((r, i) => ({ r, i })).filter(({ r }) => ruleHolds(r, f, ctx.now));
    if (hits.length === 0) continue;
    const base = { ...(f.id ? { findingId: f.id } : {}), vulnerabilityId: f.vulnerabilityId };
    if (f.suppressed) { exempted.push({ kind: 'suppressed', ...base, reason: f.suppressed }); continue; }
    const ex = [f.vulnerabilityId, ...f.aliases].map((id) => vulnEx.get(id.toUpperCase())).find(Boolean);
    if (ex) {
      if (!ex.expires || Date.parse(ex.expires) >= nowMs) { exempted.push({ kind: 'vulnerability', ...base, reason: ex.reason ?? `exempted by ${ex.id}${ex.expires ? ` until ${ex.expires.slice(0, 10)}` : ''}` }); continue; }
      exempted.push({ kind: 'expired', ...base, reason: `exemption of ${ex.id} expired ${ex.expires.slice(0, 10)}` });
    }
    const { r, i } = hits[0];
    const pkg = f.package ? ` in ${f.package.name} ${f.package.version}` : '';
    reasons.push({
      rule: ruleName(r, i), ...base, severity: f.severity,
      message: `${f.vulnerabilityId} (${f.severity}${f.score !== null ? ` ${f.score}` : ''}${f.kev ? ', known exploited' : ''}${f.fixAvailable ? ', fix available' : ''})${pkg} violates ${ruleName(r, i)}: ${describeRule(r)}`,
    });
  }
  return verdict();
}

/**
 * The verdict when no verdict could be made (the store failed, a timeout): failurePolicy decides.
 * The reason names the failure; in audit mode it is a warning either way.
 */
export function failureVerdict(policy: Pick<GatePolicy, 'failurePolicy' | 'mode'>, why: string): GateVerdict {
  const open = policy.failurePolicy === 'open' || policy.mode === 'audit';
  return {
    allowed: open, mode: policy.mode, evaluated: 0, exempted: [],
    reasons: [{ rule: 'failurePolicy', vulnerabilityId: '', severity: null, message: `no verdict (${why}); failurePolicy ${policy.failurePolicy}: ${policy.failurePolicy === 'open' ? 'allowed' : 'denied'}` }],
  };
}

/** The findings of a scan result (`vigil gate` without a server), as the gate sees them. */
export function gateFindingsOfScan(result: ScanResult): GateFinding[] {
  const out: GateFinding[] = [];
  for (const f of result.findings) {
    const p = result.packages[f.packageIndex];
    out.push({
      type: f.type === 'malicious' ? 'malicious' : 'vulnerability', vulnerabilityId: f.vulnerability, aliases: [f.id, ...f.aliases],
      severity: f.severity, score: f.scoring ? f.scoring.score : f.cvss?.score ?? null, fixAvailable: f.fixAvailable, kev: !!f.kev,
      ...(p ? { package: { name: p.name, version: f.installedVersion } } : {}),
      ...(f.suppressed ? { suppressed: `${f.suppressed.source}: ${f.suppressed.reason}` } : {}),
    });
  }
  for (const s of result.secrets ?? []) {
    out.push({ type: 'secret', vulnerabilityId: s.rule, aliases: [], severity: s.severity, score: null, fixAvailable: false, kev: false, ...(s.suppressed ? { suppressed: `${s.suppressed.source}: ${s.suppressed.reason}` } : {}) });
  }
  for (const c of result.code ?? []) {
    out.push({ type: 'code_vulnerability', vulnerabilityId: c.rule, aliases: c.cwe, severity: c.severity, score: null, fixAvailable: !!c.fix, kev: false, ...(c.suppressed ? { suppressed: `${c.suppressed.source}: ${c.suppressed.reason}` } : {}) });
  }
  return out;
}

/**
 * The open findings (ACTIVE, and SUPPRESSED as exempted) of a stored resource, as the gate sees them.
 */
export async function gateFindingsOfResource(db: Db, resourceId: string): Promise<GateFinding[]> {
  const rows = await db.selectFrom('findings')
    .select(['id', 'type', 'vulnerability_id', 'advisory_id', 'severity', 'score', 'fix_available', 'exploit_available', 'first_observed_at', 'package_name', 'package_version', 'status', 'suppressed_by', 'details'])
    .where('resource_id', '=', resourceId).where('status', 'in', ['ACTIVE', 'SUPPRESSED']).execute();
  return rows.map((r) => {
    let aliases: string[] = [];
    try { aliases = (JSON.parse(r.details) as { aliases?: string[] }).aliases ?? []; } catch { /* details are written by us; no aliases then */ }
    return {
      id: r.id, type: (TYPE_ALIASES[r.type] ?? 'vulnerability'), vulnerabilityId: r.vulnerability_id, aliases: [r.advisory_id, ...aliases],
      severity: r.severity as Severity, score: r.score, fixAvailable: r.fix_available === 1, kev: r.exploit_available === 1,
      firstObservedAt: r.first_observed_at,
      ...(r.package_name ? { package: { name: r.package_name, version: r.package_version } } : {}),
      ...(r.status === 'SUPPRESSED' ? { suppressed: `suppression rule ${r.suppressed_by ?? ''}`.trim() } : {}),
    };
  });
}

/** What an image reference resolved to among an account's resources. */
export type GateImage =
  | { known: true; resourceId: string; name: string; digest: string | null; tags: string[]; lastScannedAt: string }
  | { known: false; why: string; resourceId?: string };

/**
 * Resolves an image reference (tag or digest) to the image resource the server knows in these
 * accounts: one per (repository, manifest digest), its `tags` the registry's tags pointing at it
 * now. A digest reference names its resource exactly; a tag names the resource that carries it.
 * A resource not scanned yet, or no longer covered (untagged, removed: its findings are closed), is
 * unknown: the server cannot vouch for it.
 * @throws VigilError VIGIL_INVALID_INPUT (rule "image-reference") for a malformed reference
 */
export async function resolveGateImage(db: Db, accountIds: string[], reference: string): Promise<GateImage> {
  const { parseImageReference } = await import('../sources/registry/reference.ts');
  const ref = parseImageReference(reference);
  const names = [...new Set([`${ref.registry}/${ref.repository}`, `${ref.host}/${ref.repository}`])];
  let q = db.selectFrom('resources').select(['id', 'name', 'digest', 'tags', 'coverage_status', 'coverage_reason', 'last_scanned_at', 'updated_at'])
    .where('type', '=', 'image').where('account_id', 'in', accountIds).where('name', 'in', names);
  if (ref.digest) q = q.where('digest', '=', ref.digest);
  const rows = (await q.execute())
    .filter((r) => ref.digest || (JSON.parse(r.tags) as string[]).includes(ref.tag ?? 'latest'))
    // a covered, scanned resource first; then the latest
    .sort((a, b) => Number(b.coverage_status === 'ACTIVE') - Number(a.coverage_status === 'ACTIVE') || (b.last_scanned_at ?? '').localeCompare(a.last_scanned_at ?? '') || b.updated_at.localeCompare(a.updated_at) || a.id.localeCompare(b.id));
  const r = rows[0];
  if (!r) return { known: false, why: `no image ${ref.name} in the inventory` };
  if (r.coverage_status !== 'ACTIVE' || !r.last_scanned_at) return { known: false, resourceId: r.id, why: `image ${r.name}@${r.digest ?? '?'} is not covered (${r.coverage_reason ?? r.coverage_status})` };
  return { known: true, resourceId: r.id, name: r.name, digest: r.digest, tags: JSON.parse(r.tags) as string[], lastScannedAt: r.last_scanned_at };
}
