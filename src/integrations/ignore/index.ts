/**
 * Ignore files for `vigil scan --ignorefile`: OpenVEX JSON (https://github.com/openvex/spec) or a
 * Trivy-like YAML list. Rules suppress findings; suppressed findings stay in the result, marked.
 */
import { parseYaml } from '../../model/yaml.ts';
import { z } from 'zod';
import { parsePurl, VigilError, type ScanResult } from '../../model/index.ts';

export type IgnoreStatus = 'not_affected' | 'fixed' | 'under_investigation' | 'affected' | 'ignore';

export interface IgnoreRule {
  /** vulnerability id; matches a finding's vulnerability, advisory id or any alias */
  id: string;
  /** more ids naming the same vulnerability (OpenVEX `vulnerability.aliases`) */
  aliases: string[];
  /** package constraints (name or purl); empty = every package */
  packages: string[];
  /** "ignore" for the YAML list; OpenVEX statuses otherwise. Only ignore, not_affected and fixed suppress. */
  status: IgnoreStatus;
  reason: string;
  /** YYYY-MM-DD; the rule stops applying after that day (UTC) */
  expires?: string;
  /** "file.yaml: ignore[2]", "vex.json: statements[0]" */
  source: string;
}

export interface IgnoreReport {
  /** rules past their expiry date: not applied */
  expired: IgnoreRule[];
  /** rules that suppressed nothing */
  unused: IgnoreRule[];
  /** findings newly suppressed */
  suppressed: number;
}

function invalid(name: string, rule: string, detail: string, cause?: unknown): VigilError {
  return new VigilError('VIGIL_INVALID_INPUT', `invalid ignore file ${JSON.stringify(name)}: ${rule}: ${detail}`, { input: name, rule, cause });
}

function zodDetail(e: z.ZodError): string {
  return e.issues.slice(0, 3).map((i) => `${i.path.join('.') || '/'}: ${i.message}`).join('; ');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const yamlSchema = z.object({
  ignore: z.array(z.object({
    id: z.string().min(1),
    package: z.string().min(1).optional(),
    reason: z.string().min(1),
    expires: z.union([z.string().regex(DATE, 'must be YYYY-MM-DD'), z.date()]).optional(),
  }).strict()),
}).strict();

const vexProduct = z.object({
  '@id': z.string().optional(),
  identifiers: z.object({ purl: z.string().optional() }).passthrough().optional(),
  subcomponents: z.array(z.object({ '@id': z.string().optional(), identifiers: z.object({ purl: z.string().optional() }).passthrough().optional() }).passthrough()).optional(),
}).passthrough();

// OpenVEX v0.2.0 (vulnerability object); v0.0.x wrote the vulnerability as a plain string.
const vexSchema = z.object({
  '@context': z.string().regex(/^https:\/\/openvex\.dev\/ns/, 'must be an OpenVEX context'),
  statements: z.array(z.object({
    vulnerability: z.union([z.string().min(1), z.object({ name: z.string().min(1), '@id': z.string().optional(), aliases: z.array(z.string()).optional() }).passthrough()]),
    products: z.array(z.union([z.string(), vexProduct])).optional(),
    status: z.enum(['not_affected', 'affected', 'fixed', 'under_investigation']),
    justification: z.string().optional(),
    impact_statement: z.string().optional(),
    action_statement: z.string().optional(),
    status_notes: z.string().optional(),
  }).passthrough()),
}).passthrough();

function loadVex(doc: unknown, name: string): IgnoreRule[] {
  const parsed = vexSchema.safeParse(doc);
  if (!parsed.success) throw invalid(name, 'openvex-schema', zodDetail(parsed.error));
  return parsed.data.statements.map((s, i) => {
    const v = typeof s.vulnerability === 'string' ? { name: s.vulnerability, aliases: [] as string[] } : s.vulnerability;
    const ids = new Set<string>();
    let image = false;
    for (const p of s.products ?? []) {
      const prod = typeof p === 'string' ? { '@id': p } : p;
      const subs = (prod as z.infer<typeof vexProduct>).subcomponents ?? [];
      const id = prod.identifiers?.purl ?? prod['@id'];
      if (subs.length) {
        for (const sc of subs) { const x = sc.identifiers?.purl ?? sc['@id']; if (x) ids.add(x); }
      } else if (id && /^pkg:(oci|docker)\//.test(id)) {
        image = true; // the product is the image itself: the statement covers every package in it
      } else if (id) {
        ids.add(id);
      }
    }
    const detail = [s.justification, s.impact_statement ?? s.status_notes].filter(Boolean).join(': ');
    return {
      id: v.name,
      aliases: v.aliases ?? [],
      packages: image && !ids.size ? [] : [...ids],
      status: s.status,
      reason: detail ? `${s.status}: ${detail}` : s.status,
      source: `${name}: statements[${i}]`,
    };
  });
}

function loadYaml(doc: unknown, name: string): IgnoreRule[] {
  const parsed = yamlSchema.safeParse(doc);
  if (!parsed.success) throw invalid(name, 'ignore-yaml-schema', zodDetail(parsed.error));
  return parsed.data.ignore.map((r, i) => ({
    id: r.id,
    aliases: [],
    packages: r.package ? [r.package] : [],
    status: 'ignore' as const,
    reason: r.reason,
    ...(r.expires ? { expires: r.expires instanceof Date ? r.expires.toISOString().slice(0, 10) : r.expires } : {}),
    source: `${name}: ignore[${i}]`,
  }));
}

/**
 * Reads an ignore file: OpenVEX JSON, or YAML `ignore: [{id, package?, reason, expires?}]`.
 * @throws VigilError VIGIL_INVALID_INPUT naming the file and the rule ("yaml", "openvex-schema",
 *   "ignore-yaml-schema").
 */
export function loadIgnoreFile(buf: Buffer | string, name: string): IgnoreRule[] {
  const text = (typeof buf === 'string' ? buf : buf.toString('utf8')).replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = parseYaml(text, name).value; // YAML is a superset of JSON: one parser for both
  } catch (e) {
    const rule = e instanceof VigilError && e.rule === 'nesting-depth' ? 'nesting-depth' : 'yaml';
    throw invalid(name, rule, (e as Error).message.split('\n')[0].replace(`${name}: `, ''), e);
  }
  if (doc && typeof doc === 'object' && '@context' in doc) return loadVex(doc, name);
  return loadYaml(doc, name);
}

const SUPPRESSING = new Set<IgnoreStatus>(['ignore', 'not_affected', 'fixed']);

/** Whether a rule's package constraint names this package: by name, or by purl (version optional, qualifiers ignored). */
function packageMatches(constraint: string, name: string, purl: string | undefined): boolean {
  if (!constraint.startsWith('pkg:')) return constraint === name;
  const want = parsePurl(constraint);
  const have = purl ? parsePurl(purl) : undefined;
  if (!want || !have) return false;
  return want.type === have.type && (want.namespace ?? '') === (have.namespace ?? '') && want.name === have.name
    && (!want.version || want.version === have.version);
}

function expired(rule: IgnoreRule, now: Date): boolean {
  return !!rule.expires && now.getTime() >= Date.parse(`${rule.expires}T00:00:00Z`) + 86_400_000;
}

/**
 * Marks the findings that the rules cover as `suppressed` {reason, source}, in place (the CLI
 * keeps one result object), and reports expired and unused rules. Rules whose status is
 * under_investigation or affected never suppress (OpenVEX: the finding stands). A finding
 * already suppressed keeps its first suppression.
 */
export function applyIgnores(result: ScanResult, rules: readonly IgnoreRule[], now: Date): IgnoreReport {
  const report: IgnoreReport = { expired: [], unused: [], suppressed: 0 };
  for (const rule of rules) {
    if (expired(rule, now)) { report.expired.push(rule); continue; }
    if (!SUPPRESSING.has(rule.status)) continue;
    const ids = new Set([rule.id, ...rule.aliases].map((x) => x.toUpperCase()));
    let used = false;
    for (const f of result.findings) {
      if (![f.vulnerability, f.id, ...f.aliases].some((x) => ids.has(x.toUpperCase()))) continue;
      const p = result.packages[f.packageIndex];
      if (rule.packages.length && !rule.packages.some((c) => packageMatches(c, p.name, p.purl))) continue;
      used = true;
      if (!f.suppressed) { f.suppressed = { reason: rule.reason, source: rule.source }; report.suppressed++; }
    }
    if (!used) report.unused.push(rule);
  }
  return report;
}
