/**
 * Agent reports: `vigil agent` posts its host's inventory; the server matches and records it at
 * once. A host is found by machine id, then by name, among the account's host targets; an
 * unknown one is registered in agent mode. Hybrid hosts are scanned over SSH only while no agent
 * has reported for a day (engine/scan.ts).
 */
import { setCoverage } from '../findings/index.ts';
import { VigilError } from '../model/errors.ts';
import { summarizeSkipped } from '../model/scan.ts';
import type { Package } from '../model/package.ts';
import type { SecretFinding } from '../model/code.ts';
import { SEVERITY_ORDER } from '../model/scan.ts';
import { z } from 'zod';
import type { Engine } from './index.ts';
import { accountSettings, COVERAGE, hostDeepInspectionOf, hostNetworkAfterScan, matchAndRecord, mergeAttributesIn, type EngineContext } from './scan.ts';
import { ensureTargetResource } from './sources.ts';
import { checkAgentCis, recordAgentCis } from './cis.ts';
import { checkTags, replaceAgentTags } from './resource-tags.ts';
import { createTarget, listTargets, type HostConfig, type Target } from './targets.ts';
import { FIREWALL_MAX_BYTES, FIREWALL_NAMES, INSTANCE_ID, type HostFirewall } from '../sources/ssh/hostnet.ts';

/**
 * The firewall attribute as engine/network.ts reads it: {nft?, iptables?, ip6tables?, collectedAt, notes?}.
 * The server's schema has checked the report; a caller in-process (tests, the scan process) gets the same rules.
 */
function firewallAttribute(fw: AgentReportInput['firewall'], now: Date): Record<string, unknown> {
  const bad = (msg: string) => new VigilError('VIGIL_INVALID_INPUT', `agent report: firewall: ${msg}`, { input: 'firewall', rule: 'firewall' });
  if (typeof fw !== 'object' || fw === null) throw bad('must be an object');
  const out: Record<string, unknown> = {};
  for (const n of FIREWALL_NAMES) {
    const t = fw[n];
    if (t === undefined) continue;
    if (typeof t !== 'string' || Buffer.byteLength(t, 'utf8') > FIREWALL_MAX_BYTES) throw bad(`${n} must be a string of at most ${FIREWALL_MAX_BYTES} bytes`);
    out[n] = t;
  }
  const at = typeof fw.collectedAt === 'string' && !Number.isNaN(Date.parse(fw.collectedAt)) ? new Date(fw.collectedAt).toISOString() : now.toISOString();
  out.collectedAt = at;
  if (Array.isArray(fw.notes) && fw.notes.length) out.notes = fw.notes.filter((x) => typeof x === 'string').slice(0, 50).map((x) => x.slice(0, 2000));
  return out;
}

/**
 * A secret the agent found (src/model/code.ts SecretFinding): never the secret itself, only its
 * prefix, sha256 and the line with it masked; every field bounded.
 */
const lineCol = z.number().int().min(1).max(100_000_000);
export const AgentSecretFinding = z.strictObject({
  type: z.literal('secret'),
  rule: z.string().min(1).max(200),
  provider: z.string().min(1).max(200),
  title: z.string().min(1).max(200),
  severity: z.enum(SEVERITY_ORDER as unknown as ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN']),
  location: z.strictObject({ path: z.string().min(1).max(4096), line: lineCol, column: lineCol, endLine: lineCol.optional(), endColumn: lineCol.optional() }),
  // the detector's prefix is at most the provider's fixed part and 4 characters: "pypi-AgEIcHlwaS5vcmc…" and a Slack webhook's URL run past 16
  secret: z.strictObject({ prefix: z.string().max(64), hash: z.string().regex(/^[0-9a-f]{64}$/, 'sha256, 64 lowercase hex digits'), length: z.number().int().min(1).max(1_000_000) }),
  snippet: z.string().max(1000),
  confidence: z.enum(['verified', 'format', 'entropy']),
  note: z.string().max(1000).optional(),
  suppressed: z.strictObject({ reason: z.string().max(1000), source: z.string().max(4096) }).optional(),
});

/** Secrets one report may carry. */
export const MAX_AGENT_SECRETS = 10_000;

/**
 * The report's secrets as the server's schema checks them (a caller in-process gets the same rules).
 * @throws VigilError VIGIL_INVALID_INPUT naming the field ("secrets.3.secret.hash")
 */
function checkSecrets(secrets: unknown): SecretFinding[] {
  const r = z.array(AgentSecretFinding).max(MAX_AGENT_SECRETS).safeParse(secrets);
  if (r.success) return r.data as SecretFinding[];
  const issue = r.error.issues[0];
  const field = ['secrets', ...issue.path].join('.');
  throw new VigilError('VIGIL_INVALID_INPUT', `agent report: ${field}: ${issue.message}`, { input: field, rule: 'secret-finding' });
}

export interface AgentReportInput {
  hostname: string;
  machineId?: string;
  agentVersion?: string;
  os?: { id: string; versionId?: string; prettyName?: string; ecosystem?: string };
  packages: Package[];
  /** sockets as src/sources/ssh/proc-net.ts ListeningSocket, with process/pid when the agent could read /proc/<pid>/fd */
  listening?: unknown[];
  /** the host firewall (src/sources/ssh/hostnet.ts HostFirewall) and when it was read */
  firewall?: HostFirewall & { collectedAt?: string };
  /** the EC2 instance id, when the host is one */
  instanceId?: string;
  errors?: { path: string; rule: string; message: string }[];
  /** secrets under the agent's --secret-path directories (the server's schema checked them); absent: the report says nothing about secrets */
  secrets?: SecretFinding[];
  /** issue 18: the host's key/value tags (`--tag`); absent leaves the agent's tags as they are */
  tags?: Record<string, string>;
  /** issue 18: the CIS assessment made on the host (engine/cis.ts AgentCisResult); absent leaves the last one */
  cis?: unknown;
}

async function hostTargetFor(ctx: EngineContext, accountId: string, r: AgentReportInput): Promise<Target> {
  const hosts = await listTargets(ctx.store, { kind: 'host', accountIds: [accountId] });
  const found = (r.machineId && hosts.find((h) => (h.config as HostConfig).machineId === r.machineId)) || hosts.find((h) => h.name === r.hostname);
  if (found) return found;
  return createTarget(ctx.store, { accountId, kind: 'host', name: r.hostname, config: { mode: 'agent', ...(r.machineId ? { machineId: r.machineId } : {}) } }, ctx.now());
}

/**
 * Matches and records an agent's report (refused with VIGIL_CONFLICT "account-disabled" for a
 * DISABLED account). The server runs it in the isolated scan process
 * (`Engine.recordAgentReport`), so matching and recording a large inventory never holds the API's
 * event loop; tests call it in-process with an Engine or its context.
 */
export async function recordAgentReport(engineOrCtx: Engine | EngineContext, accountId: string, r: AgentReportInput) {
  const ctx: EngineContext = 'ctx' in engineOrCtx ? engineOrCtx.ctx : engineOrCtx;
  for (const p of r.packages) {
    if (!p.ecosystem || !p.name || typeof p.version !== 'string') throw new VigilError('VIGIL_INVALID_INPUT', 'agent report: every package needs ecosystem, name and version', { rule: 'package' });
    p.locations ??= [];
  }
  // a DISABLED account is not scanned (ACCOUNT_DISABLED): its agents' reports are refused, not recorded
  const acct = await accountSettings(ctx.store, accountId);
  if (acct && acct.status !== 'ENABLED') {
    throw new VigilError('VIGIL_CONFLICT', `agent report of ${r.hostname}: account ${accountId} is disabled, its hosts are not scanned (the delegated admin enables it)`, { input: accountId, rule: 'account-disabled' });
  }
  if (r.instanceId !== undefined && (typeof r.instanceId !== 'string' || !INSTANCE_ID.test(r.instanceId))) {
    throw new VigilError('VIGIL_INVALID_INPUT', `agent report: instanceId ${JSON.stringify(String(r.instanceId).slice(0, 40))} is not an EC2 instance id (i- and 8 to 17 hex digits)`, { input: 'instanceId', rule: 'instance-id' });
  }
  // issue 20: with host deep inspection off (the organization's or the account's setting) only the OS
  // package databases count: the language packages and runtimes an agent found beyond them, and the
  // bounds its deep inspection hit, are left out of the record
  if (acct && !hostDeepInspectionOf(acct)) {
    const { osExtractors } = await import('../extractors/os/index.ts');
    const { DEEP_LABEL, DEEP_RULES } = await import('../sources/ssh/deep.ts');
    const os = new Set<string>(osExtractors.map((e) => e.name));
    const deepRules = new Set<string>(Object.values(DEEP_RULES));
    r.packages = r.packages.filter((p) => p.foundBy !== undefined && os.has(p.foundBy));
    if (r.errors) r.errors = r.errors.filter((e) => e.path !== DEEP_LABEL && !deepRules.has(e.rule));
  }
  const secrets = r.secrets !== undefined ? checkSecrets(r.secrets) : undefined;
  const tags = r.tags !== undefined ? checkTags(r.tags, 'tags') : undefined;
  const cis = r.cis !== undefined ? await checkAgentCis(r.cis) : undefined;
  const now = ctx.now();
  // an agent that sends no firewall (an older one) leaves what was there; the instance id is the report's (absent deletes it)
  const network: Record<string, unknown> = { instanceId: r.instanceId ?? null, ...(r.firewall !== undefined ? { firewall: firewallAttribute(r.firewall, now) } : {}) };
  const target = await hostTargetFor(ctx, accountId, r);
  const resourceId = await ensureTargetResource(ctx, target, {
    attributes: { collectedBy: 'agent', agentReportedAt: now.toISOString(), hostname: r.hostname, ...(r.machineId ? { machineId: r.machineId } : {}), ...(r.agentVersion ? { agentVersion: r.agentVersion } : {}), listening: r.listening ?? [], ...network, ...(r.os ? { os: r.os } : {}) },
  });
  if (tags) await replaceAgentTags(ctx.store.db, { id: resourceId, accountId }, tags, now);
  if (cis) await recordAgentCis(ctx.store.db, { resourceId, accountId }, cis, now);
  if (!r.os?.ecosystem) {
    await setCoverage(ctx.store, { accountId, resourceId, status: 'INACTIVE', reason: COVERAGE.unsupportedOs, now });
    await hostNetworkAfterScan(ctx, resourceId);
    return { resourceId, targetId: target.id, packages: r.packages.length, findings: 0, created: 0, closed: 0 };
  }
  const summary = await matchAndRecord(ctx, {
    accountId,
    resource: { id: resourceId, type: 'host', name: target.name, ref: r.hostname },
    collected: { target: { kind: 'host', ref: r.hostname, os: r.os }, packages: r.packages, errors: r.errors ?? [], os: { ecosystem: r.os.ecosystem }, ...(secrets !== undefined ? { secrets } : {}) },
    // a report is a success of the host: its errors are cleared with the record
    beforeCommit: async (trx) => {
      // issue 20: bounds the agent hit (deep inspection, secrets walk) make the coverage partial, as for a server-side scan
      await mergeAttributesIn(trx, resourceId, { lastError: null, partial: summarizeSkipped(r.errors ?? []) });
      if (target.lastError) await trx.updateTable('targets').set({ last_error: null, updated_at: now.toISOString() }).where('id', '=', target.id).execute();
    },
  });
  await hostNetworkAfterScan(ctx, resourceId);
  return { resourceId, targetId: target.id, packages: summary.packages, findings: summary.findings, created: summary.created, closed: summary.closed };
}
