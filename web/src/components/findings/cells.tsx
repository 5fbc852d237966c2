/** Small renderers shared by the findings list, the grouped view and the finding's detail. */
import { SEVERITY_COLORS } from '../../severity.ts';
import { formatCount } from '../../format.ts';
import { SEVERITIES, type FindingSummary, type SeverityCounts } from '../../types.ts';

/** YES / PARTIAL / NO, from `fixAvailability` when the server sends it, else the boolean. */
export function fixAvailabilityOf(f: FindingSummary): 'YES' | 'NO' | 'PARTIAL' {
  return f.fixAvailability ?? (f.fixAvailable ? 'YES' : 'NO');
}

export function FixCell({ finding: f }: { finding: FindingSummary }) {
  const a = fixAvailabilityOf(f);
  if (a === 'NO') return <span className="muted">No fix yet</span>;
  return (
    <span className="nowrap">
      {a === 'PARTIAL' ? <span className="fix-partial">Partial</span> : <span className="fix-yes">Fix</span>}
      {f.fixedVersion ? <> <span className="mono">{f.fixedVersion}</span></> : null}
    </span>
  );
}

export function StatusCell({ status }: { status: FindingSummary['status'] }) {
  return <span className={`status status-${status.toLowerCase()}`}>{status}</span>;
}

/** A stacked bar of severities (relative to the largest group), with the counts as text for everyone. */
export function SeverityBar({ counts, total, max }: { counts: SeverityCounts; total: number; max: number }) {
  const parts = SEVERITIES.filter((s) => (counts[s] ?? 0) > 0);
  const text = parts.map((s) => `${formatCount(counts[s])} ${s.toLowerCase()}`).join(', ');
  return (
    <div className="sevbar-wrap">
      <span className="sevbar" style={{ width: `${Math.max(2, (100 * total) / (max || 1))}%` }} aria-hidden="true">
        {parts.map((s) => <span key={s} style={{ flexGrow: counts[s], background: SEVERITY_COLORS[s] }} />)}
      </span>
      <span className="small muted">{text}</span>
    </div>
  );
}
