/** Coverage reason codes (src/engine, src/findings) and what each means, in Inspector's words where it has them. */
export const COVERAGE_REASONS: Record<string, string> = {
  SUCCESSFUL: 'scanned; findings are kept current',
  PENDING_INITIAL_SCAN: 'discovered, first scan not done yet',
  SCAN_FAILED: 'the last scan failed (see its error)',
  UNREACHABLE: 'the target could not be reached',
  SCAN_ELIGIBILITY_EXPIRED: 'not pushed or pulled within the rescan duration',
  IMAGE_UNTAGGED: 'untagged image (not scanned by the scan settings)',
  IMAGE_NOT_IN_USE: 'no container has run it within the scan settings\' days',
  UNSUPPORTED_OS: 'operating system not supported',
  STALE_INVENTORY: 'the agent has not reported within the rescan duration',
  RESOURCE_REMOVED: 'removed from its target',
  ACCOUNT_DISABLED: 'its account is disabled for scanning',
};

export const REASON_CODES = Object.keys(COVERAGE_REASONS);

/** One line of GET /v1/coverage `summary`. */
export interface SummaryRow {
  type: string;
  coverageStatus: string;
  coverageReason: string | null;
  count: number;
}

/** The summary folded the way the page shows it: totals by type, and why the rest is not scanned. */
export function foldSummary(rows: SummaryRow[]) {
  const byType = new Map<string, { total: number; scanned: number; active: number }>();
  const notScanned = new Map<string, number>();
  let total = 0;
  let scanned = 0;
  let active = 0;
  for (const r of rows) {
    const t = byType.get(r.type) ?? { total: 0, scanned: 0, active: 0 };
    t.total += r.count;
    total += r.count;
    if (r.coverageStatus === 'ACTIVE') {
      t.active += r.count;
      active += r.count;
    }
    // "scanned" = the last scan succeeded (Inspector's SUCCESSFUL), not merely monitored
    if (r.coverageReason === 'SUCCESSFUL') {
      t.scanned += r.count;
      scanned += r.count;
    } else {
      const reason = r.coverageReason ?? 'UNKNOWN';
      notScanned.set(reason, (notScanned.get(reason) ?? 0) + r.count);
    }
    byType.set(r.type, t);
  }
  return {
    total, scanned, active,
    byType: [...byType.entries()].map(([type, v]) => ({ type, ...v })).sort((a, b) => b.total - a.total || a.type.localeCompare(b.type)),
    notScanned: [...notScanned.entries()].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
  };
}
