/**
 * Agent reports: `vigil agent` posts its host's inventory; the server matches and records it at
 * once. A host is found by machine id, then by name, among the account's host targets; an
 * unknown one is registered in agent mode. Hybrid hosts are scanned over SSH only while no agent
 * has reported for a day (engine/scan.ts).
 */
import { setCoverage } from '../findings/index.ts';
import { VigilError } from '../model/errors.ts';
import type { Package } from '../model/package.ts';
import type { Engine } from './index.ts';
import { COVERAGE, matchAndRecord, mergeAttributes } from './scan.ts';
import { ensureTargetResource } from './sources.ts';
import { createTarget, listTargets, type HostConfig, type Target } from './targets.ts';

export interface AgentReportInput {
  hostname: string;
  machineId?: string;
  agentVersion?: string;
  os?: { id: string; versionId?: string; prettyName?: string; ecosystem?: string };
  packages: Package[];
  listening?: unknown[];
  errors?: { path: string; rule: string; message: string }[];
}

async function hostTargetFor(engine: Engine, accountId: string, r: AgentReportInput): Promise<Target> {
  const hosts = await listTargets(engine.store, { kind: 'host', accountIds: [accountId] });
  const found = (r.machineId && hosts.find((h) => (h.config as HostConfig).machineId === r.machineId)) || hosts.find((h) => h.name === r.hostname);
  if (found) return found;
  return createTarget(engine.store, { accountId, kind: 'host', name: r.hostname, config: { mode: 'agent', ...(r.machineId ? { machineId: r.machineId } : {}) } }, engine.ctx.now());
}

export async function recordAgentReport(engine: Engine, accountId: string, r: AgentReportInput) {
  for (const p of r.packages) {
    if (!p.ecosystem || !p.name || typeof p.version !== 'string') throw new VigilError('VIGIL_INVALID_INPUT', 'agent report: every package needs ecosystem, name and version', { rule: 'package' });
    p.locations ??= [];
  }
  const target = await hostTargetFor(engine, accountId, r);
  const now = engine.ctx.now();
  const resourceId = await ensureTargetResource(engine.ctx, target, {
    attributes: { collectedBy: 'agent', agentReportedAt: now.toISOString(), hostname: r.hostname, ...(r.machineId ? { machineId: r.machineId } : {}), ...(r.agentVersion ? { agentVersion: r.agentVersion } : {}), listening: r.listening ?? [], ...(r.os ? { os: r.os } : {}) },
  });
  if (!r.os?.ecosystem) {
    await setCoverage(engine.store, { accountId, resourceId, status: 'INACTIVE', reason: COVERAGE.unsupportedOs, now });
    return { resourceId, targetId: target.id, packages: r.packages.length, findings: 0, created: 0, closed: 0 };
  }
  const summary = await matchAndRecord(engine.ctx, {
    accountId,
    resource: { id: resourceId, type: 'host', name: target.name, ref: r.hostname },
    collected: { target: { kind: 'host', ref: r.hostname, os: r.os }, packages: r.packages, errors: r.errors ?? [], os: { ecosystem: r.os.ecosystem } },
  });
  await mergeAttributes(engine.store, resourceId, { lastError: null });
  return { resourceId, targetId: target.id, packages: summary.packages, findings: summary.findings, created: summary.created, closed: summary.closed };
}
