/** Pieces the resources, resource and vulnerability pages share: scan now, SBOM links, severity counts, coverage. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, downloadHref, withQuery } from '../../api.ts';
import { formatAgo, formatCount, formatTime } from '../../format.ts';
import type { Account, Queued, Resource, SbomFormat, SeverityCounts } from '../../types.ts';
import { ErrorMessage } from '../common.tsx';
import { COVERAGE_REASONS } from './coverage.ts';

export const SBOM_FORMATS: { format: SbomFormat; label: string }[] = [
  { format: 'cyclonedx', label: 'CycloneDX 1.6' },
  { format: 'spdx', label: 'SPDX 2.3' },
];

/** "Scan now" (operate): POST /v1/resources/{id}/scan, then "Queued" with the job id. */
export function ScanNowButton({ resource, compact }: { resource: { id: string; name: string }; compact?: boolean }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: () => api<Queued>(`/v1/resources/${encodeURIComponent(resource.id)}/scan`, { method: 'POST' }),
    onSuccess: () => {
      // the scan runs in the background; coverage and findings change when it finishes
      void qc.invalidateQueries({ queryKey: ['resource', resource.id] });
    },
  });
  return (
    <span className="scan-now">
      <button type="button" onClick={() => m.mutate()} disabled={m.isPending}>
        {m.isPending ? 'Queuing…' : 'Scan now'}
        {compact ? <span className="visually-hidden"> {resource.name}</span> : null}
      </button>
      <span role="status" aria-live="polite">
        {m.isSuccess ? <span className="queued" title={`job ${m.data.jobId}`}>Queued</span> : null}
      </span>
      {m.isError ? <ErrorMessage error={m.error} /> : null}
    </span>
  );
}

/** Download links for the resource's SBOM in each format (GET /v1/resources/{id}/sbom?format=). */
export function SbomLinks({ resource, compact }: { resource: { id: string; name: string }; compact?: boolean }) {
  return (
    <span className="sbom-links">
      {SBOM_FORMATS.map((f) => (
        <a
          key={f.format}
          href={downloadHref(`/v1/resources/${encodeURIComponent(resource.id)}/sbom`, { format: f.format })}
          download
          aria-label={compact ? `${f.label} SBOM of ${resource.name}` : undefined}
          className={compact ? undefined : 'button-link'}
        >
          {compact ? f.label : `SBOM (${f.label})`}
        </a>
      ))}
    </span>
  );
}

const SHOWN: (keyof SeverityCounts)[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

/** ACTIVE findings by severity, each count a link to the findings explorer filtered to this resource. */
export function SeverityCountsCell({ resourceId, counts }: { resourceId: string; counts: SeverityCounts & { total: number } }) {
  if (!counts.total) return <span className="muted">none</span>;
  const other = counts.total - SHOWN.reduce((s, k) => s + (counts[k] ?? 0), 0);
  return (
    <span className="sev-counts">
      {SHOWN.map((s) => (counts[s] ? (
        <Link key={s} to={withQuery('/findings', { resourceId, severity: s })} className={`sevcount sev-${s.toLowerCase()}`} title={`${counts[s]} ${s} findings`}>
          <span aria-hidden="true">{s[0]} </span><span className="visually-hidden">{s} </span>{counts[s]}
        </Link>
      ) : null))}
      {other > 0 ? <span className="sevcount sev-none" title={`${other} findings of severity NONE or UNKNOWN`}><span aria-hidden="true">U </span><span className="visually-hidden">UNKNOWN or NONE </span>{other}</span> : null}
      <Link to={withQuery('/findings', { resourceId })} className="total-link">{counts.total} total</Link>
    </span>
  );
}

/** Coverage status with its reason, the last error and the partial-scan note. */
export function CoverageCell({ coverage }: { coverage: Resource['coverage'] }) {
  const ok = coverage.status === 'ACTIVE' && coverage.reason === 'SUCCESSFUL';
  return (
    <div className="coverage-cell">
      <span className={ok ? 'status-ok' : coverage.status === 'ACTIVE' ? 'status-warn' : 'status-bad'}>{coverage.status}</span>
      {coverage.reason ? <> · <span className="mono" title={COVERAGE_REASONS[coverage.reason] ?? coverage.reason}>{coverage.reason}</span></> : null}
      {coverage.lastError ? <div className="last-error" title={coverage.lastError}>Last error: {coverage.lastError}</div> : null}
      {coverage.partial ? <PartialNote partial={coverage.partial} /> : null}
    </div>
  );
}

export function PartialNote({ partial }: { partial: NonNullable<Resource['coverage']['partial']> }) {
  const rules = Object.entries(partial.rules).map(([r, n]) => `${r}: ${n}`).join(', ');
  return <div className="partial-note">Partial scan: {partial.skipped} file{partial.skipped === 1 ? '' : 's'} skipped{rules ? ` (${rules})` : ''}</div>;
}

/** "3 h ago" with the absolute UTC time in the title. */
export function Ago({ iso, never = 'never' }: { iso: string | null | undefined; never?: string }) {
  if (!iso) return <span className="muted">{never}</span>;
  return <time dateTime={iso} title={formatTime(iso)}>{formatAgo(iso)}</time>;
}

/** An account by name (GET /v1/accounts, cached), its id in the title; the id when it is not in the list. */
export function AccountName({ id }: { id: string }) {
  const { data } = useQuery({
    queryKey: ['accounts'],
    queryFn: ({ signal }) => api<{ items: Account[] }>('/v1/accounts', { signal }),
    staleTime: 60_000,
  });
  const a = data?.items.find((x) => x.id === id);
  return a ? <span title={id}>{a.name}</span> : <span className="mono small">{id}</span>;
}

/**
 * Whether running workloads use an image (issue 19): "3 containers" with the clusters, or when it
 * last ran; a dash for other resource types (the API gives no inUse for them).
 */
export function InUseCell({ inUse }: { inUse: Resource['inUse'] }) {
  if (!inUse) return <span className="muted">—</span>;
  if (inUse.runningContainers > 0) {
    return (
      <span className="in-use" data-testid="in-use">
        <strong className="status-ok nowrap">{formatCount(inUse.runningContainers)} container{inUse.runningContainers === 1 ? '' : 's'}</strong>
        <div className="muted small">{inUse.clusters.join(', ')}</div>
      </span>
    );
  }
  return <span className="muted small" data-testid="in-use">not running{inUse.lastInUseAt ? <>; last <Ago iso={inUse.lastInUseAt} /></> : ''}</span>;
}
