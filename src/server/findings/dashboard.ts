/**
 * GET /v1/dashboard: what the console's dashboard shows, in one call — coverage, ACTIVE findings by
 * severity and by fix availability, findings first seen in the last 24 hours, the riskiest
 * resources, the most widespread vulnerabilities and the 30-day trend from the daily snapshots.
 *
 * Cost over 1M findings: each count reads an index alone, one account at a time — severity from
 * (account, status, severity, …), fix availability and the vulnerabilities from (account, status,
 * vulnerability, resource, severity, fix_availability) (migration 0008_findings_02), the resources
 * from (resource, status, severity, …), the last 24 hours from (account, status, first_observed_at,
 * id) — so nothing reads the findings table but the day's new findings. That is still a walk of
 * every ACTIVE finding's index entries (three times), which bench/dashboard.ts measures. A dashboard is then kept per scope (the set of accounts) for
 * {@link DASHBOARD_TTL_MS} and only while nothing changed: every write to findings and coverage
 * emits an event in the same transaction, so the newest event id (one index probe) tells whether the
 * numbers still hold; a dashboard polled by many consoles costs one probe per call. When they no
 * longer hold, the last ones are answered while new ones are computed (stale while revalidate, up to
 * {@link DASHBOARD_STALE_MS}; `fresh` waits), and the server computes every organization's
 * dashboard at start, so the console's first visit does not wait for the walk either.
 */
import { SEVERITY_ORDER, type Severity } from '../../model/index.ts';
import { findingTimeSeries } from '../../findings/index.ts';
import type { Store } from '../../store/index.ts';
import { activeCountsByResource } from '../../findings/query.ts';

/** How long a dashboard is reused when no event was written since (the trend's day and the 24-hour window move slowly). */
export const DASHBOARD_TTL_MS = 30_000;
const TOP = 10;

type SeverityCounts = Record<Severity, number>;
export interface Dashboard {
  coverage: { total: number; scanned: number; byType: { type: string; total: number; scanned: number }[]; notScanned: { reason: string; count: number }[] };
  severity: SeverityCounts;
  newLast24h: { total: number; bySeverity: SeverityCounts };
  fixAvailable: { YES: number; NO: number; PARTIAL: number };
  topResources: { resourceId: string; name: string; type: string; critical: number; high: number; total: number }[];
  topVulnerabilities: { vulnerabilityId: string; title: string; severity: Severity; resources: number; findings: number }[];
  trend: ({ day: string } & SeverityCounts)[];
  generatedAt: string;
}

const zero = (): SeverityCounts => Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as SeverityCounts;
const rank = (s: string) => { const i = SEVERITY_ORDER.indexOf(s as Severity); return i < 0 ? SEVERITY_ORDER.length : i; };

/** The dashboard of some accounts (already checked against the caller's sight), computed now. */
export async function computeDashboard(store: Store, accountIds: readonly string[], now: Date): Promise<Dashboard> {
  const { db } = store;
  const accounts = [...accountIds];
  const out: Dashboard = {
    coverage: { total: 0, scanned: 0, byType: [], notScanned: [] }, severity: zero(), newLast24h: { total: 0, bySeverity: zero() },
    fixAvailable: { YES: 0, NO: 0, PARTIAL: 0 }, topResources: [], topVulnerabilities: [], trend: [], generatedAt: now.toISOString(),
  };
  if (accounts.length === 0) return out;

  // coverage: resources are thousands; "scanned" is coverage ACTIVE (Inspector's "actively monitored")
  const resources = await db.selectFrom('resources').select(['id', 'type', 'name', 'coverage_status', 'coverage_reason']).where('account_id', 'in', accounts).execute();
  const byType = new Map<string, { type: string; total: number; scanned: number }>();
  const reasons = new Map<string, number>();
  for (const r of resources) {
    let t = byType.get(r.type);
    if (!t) byType.set(r.type, (t = { type: r.type, total: 0, scanned: 0 }));
    t.total++;
    out.coverage.total++;
    if (r.coverage_status === 'ACTIVE') {
      t.scanned++;
      out.coverage.scanned++;
    } else {
      const reason = r.coverage_reason ?? 'UNKNOWN';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  out.coverage.byType = [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  out.coverage.notScanned = [...reasons].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));

  // per account: each count then walks one index range in its order (grouped as it streams, no
  // temporary b-tree over the whole scope), and resources belong to one account, so the per-account
  // counts add up (distinct resources included)
  const vulnTotals = new Map<string, { resources: number; findings: number }>();
  for (const account of accounts) {
    const active = db.selectFrom('findings').where('account_id', '=', account).where('status', '=', 'ACTIVE');
    for (const r of await active.select((eb) => ['severity', eb.fn.countAll<number>().as('n')]).groupBy('severity').execute()) {
      if (r.severity in out.severity) out.severity[r.severity as Severity] += Number(r.n);
    }
    for (const r of await active.select((eb) => ['fix_availability', eb.fn.countAll<number>().as('n')]).groupBy('fix_availability').execute()) {
      if (r.fix_availability in out.fixAvailable) out.fixAvailable[r.fix_availability as 'YES' | 'NO' | 'PARTIAL'] += Number(r.n);
    }
    const vulns = await active.select((eb) => ['vulnerability_id', eb.fn.count<number>('resource_id').distinct().as('resources'), eb.fn.countAll<number>().as('findings')])
      .groupBy('vulnerability_id').execute();
    for (const v of vulns) {
      const t = vulnTotals.get(v.vulnerability_id);
      if (t) {
        t.resources += Number(v.resources);
        t.findings += Number(v.findings);
      } else vulnTotals.set(v.vulnerability_id, { resources: Number(v.resources), findings: Number(v.findings) });
    }
  }

  // ACTIVE findings first observed in the last 24 hours
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  const fresh = await db.selectFrom('findings').select((eb) => ['severity', eb.fn.countAll<number>().as('n')])
    .where('account_id', 'in', accounts).where('status', '=', 'ACTIVE').where('first_observed_at', '>=', since).groupBy('severity').execute();
  for (const r of fresh) {
    out.newLast24h.total += Number(r.n);
    if (r.severity in out.newLast24h.bySeverity) out.newLast24h.bySeverity[r.severity as Severity] += Number(r.n);
  }

  // the riskiest resources: most critical, then high, then all ACTIVE findings
  const counts = await activeCountsByResource(store, resources.map((r) => r.id));
  const ranked = resources.map((r) => {
    const c = counts.get(r.id) ?? {};
    return { resourceId: r.id, name: r.name, type: r.type, critical: c.CRITICAL ?? 0, high: c.HIGH ?? 0, total: Object.values(c).reduce((a, b) => a + (b ?? 0), 0) };
  }).filter((r) => r.total > 0);
  ranked.sort((a, b) => b.critical - a.critical || b.high - a.high || b.total - a.total || (a.resourceId < b.resourceId ? -1 : 1));
  out.topResources = ranked.slice(0, TOP);

  // the most widespread vulnerabilities: most resources with an ACTIVE finding of it, then most findings
  const vulns = [...vulnTotals].map(([vulnerability_id, t]) => ({ vulnerability_id, ...t }))
    .sort((a, b) => b.resources - a.resources || b.findings - a.findings || (a.vulnerability_id < b.vulnerability_id ? -1 : 1)).slice(0, TOP);
  if (vulns.length) {
    const detail = await db.selectFrom('findings').select((eb) => ['vulnerability_id', 'severity', eb.fn.min('title').as('title')])
      .where('vulnerability_id', 'in', vulns.map((v) => v.vulnerability_id)).where('status', '=', 'ACTIVE').where('account_id', 'in', accounts)
      .groupBy(['vulnerability_id', 'severity']).execute();
    out.topVulnerabilities = vulns.map((v) => {
      const rows = detail.filter((d) => d.vulnerability_id === v.vulnerability_id).sort((a, b) => rank(a.severity) - rank(b.severity));
      return {
        vulnerabilityId: v.vulnerability_id, title: (rows[0]?.title as string | null) ?? v.vulnerability_id, severity: (rows[0]?.severity ?? 'UNKNOWN') as Severity,
        resources: v.resources, findings: v.findings,
      };
    });
  }

  // the last 30 days (today included) from the daily snapshots; days without one are left out
  const to = now.toISOString().slice(0, 10);
  const from = new Date(now.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  const days = new Map<string, { day: string } & SeverityCounts>();
  for (const p of await findingTimeSeries(store, { from, to, accountIds: accounts })) {
    let d = days.get(p.day);
    if (!d) days.set(p.day, (d = { day: p.day, ...zero() }));
    if (p.severity in d) d[p.severity as Severity] += p.count;
  }
  out.trend = [...days.values()];
  return out;
}

/** How long a dashboard that no longer holds may still be answered while a new one is computed. */
export const DASHBOARD_STALE_MS = 5 * 60_000;

interface Entry { at: number; lastEvent: number; value: Dashboard; refreshing?: Promise<Dashboard> }

/**
 * Dashboards per scope (see the header), one cache per server; a handful of entries (one per
 * distinct set of accounts asked).
 *
 * Stale while revalidate: a dashboard is current while no event was written since it was computed
 * and for at most {@link DASHBOARD_TTL_MS}. One that is no longer current but younger than
 * {@link DASHBOARD_STALE_MS} is answered at once while a new one is computed in the background
 * (one computation per scope at a time), so a console never waits for the walk of a million
 * findings once its scope has been computed; `generatedAt` says how old the numbers are, and
 * `fresh` (GET /v1/dashboard?fresh=true) waits for current numbers. Older or missing ones are
 * computed while the caller waits; concurrent callers share that computation.
 */
export class DashboardCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Dashboard>>();
  constructor(
    private readonly store: Store,
    private readonly opts: { ttlMs?: number; staleMs?: number; maxEntries?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /**
   * The dashboard of the accounts: from the cache when current (or, unless `fresh`, recent enough
   * to answer while it is recomputed), else computed now.
   */
  async get(accountIds: readonly string[], opts: { fresh?: boolean; now?: Date } = {}): Promise<Dashboard> {
    const now = opts.now ?? new Date();
    const key = [...accountIds].sort().join(',');
    const lastEvent = await this.lastEvent();
    const hit = this.entries.get(key);
    const age = hit ? now.getTime() - hit.at : Infinity;
    if (hit && age >= 0 && hit.lastEvent === lastEvent && age < (this.opts.ttlMs ?? DASHBOARD_TTL_MS)) return hit.value;
    if (hit && !opts.fresh && age >= 0 && age < (this.opts.staleMs ?? DASHBOARD_STALE_MS)) {
      // answered now; the next caller gets the new numbers
      this.compute(key, accountIds, lastEvent, now).catch((err) => this.opts.onError?.(err));
      return hit.value;
    }
    return this.compute(key, accountIds, lastEvent, now);
  }

  /** Computes the dashboards of these scopes in the background (server start), so the first console visit is answered from the cache. */
  warm(scopes: readonly (readonly string[])[]): Promise<void> {
    return (async () => {
      const lastEvent = await this.lastEvent();
      for (const accountIds of scopes) await this.compute([...accountIds].sort().join(','), accountIds, lastEvent, new Date());
    })();
  }

  private async lastEvent(): Promise<number> {
    const last = await this.store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
    return Number(last?.m ?? 0);
  }

  private compute(key: string, accountIds: readonly string[], lastEvent: number, now: Date): Promise<Dashboard> {
    const running = this.pending.get(key);
    if (running) return running;
    const p = computeDashboard(this.store, accountIds, now).then((value) => {
      if (this.entries.size >= (this.opts.maxEntries ?? 1000)) this.entries.clear();
      this.entries.set(key, { at: now.getTime(), lastEvent, value });
      return value;
    }).finally(() => this.pending.delete(key));
    this.pending.set(key, p);
    return p;
  }
}
