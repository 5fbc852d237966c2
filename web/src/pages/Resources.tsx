/**
 * Resources and coverage (Inspector's "Resources coverage"): every resource by type, coverage
 * status and reason code, with a coverage summary over the whole filter, the last scan, ACTIVE
 * findings by severity, "Scan now", SBOM downloads and an SBOM export of the filter.
 * One call per page: GET /v1/coverage (the resources page plus `summary` over the filter).
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api.ts';
import { Card, ErrorMessage, PageHeader, Stat } from '../components/common.tsx';
import { DataTable, Pager, useCursor } from '../components/DataTable.tsx';
import { FilterChips, useFilters, type FilterDef } from '../components/FilterChips.tsx';
import { COVERAGE_REASONS, foldSummary, REASON_CODES } from '../components/inventory/coverage.ts';
import { AccountName, Ago, CoverageCell, InUseCell, SbomLinks, ScanNowButton, SeverityCountsCell } from '../components/inventory/parts.tsx';
import { SbomExportPanel } from '../components/inventory/SbomExport.tsx';
import { formatCount, formatPercent, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import { RESOURCE_TYPES, type CoveragePage, type Resource } from '../types.ts';

const PAGE_SIZE = 50;

export function Resources() {
  const { can, isDelegatedAdmin } = useSession();
  const navigate = useNavigate();
  const defs: FilterDef[] = [
    { key: 'type', label: 'Type', kind: 'enum', options: RESOURCE_TYPES, multi: true },
    { key: 'coverageStatus', label: 'Coverage status', kind: 'enum', options: ['ACTIVE', 'INACTIVE'], multi: true },
    { key: 'coverageReason', label: 'Reason', kind: 'enum', options: REASON_CODES, multi: true },
    { key: 'name', label: 'Name', kind: 'text', placeholder: 'exact, or a pattern: registry:5000/*' },
    // issue 19: images a running container uses (workload snapshots)
    { key: 'inUse', label: 'Image in use', kind: 'bool' },
    ...(isDelegatedAdmin ? [{ key: 'accountId', label: 'Account', kind: 'text', placeholder: 'account id' } satisfies FilterDef] : []),
  ];
  const filters = useFilters(defs);
  const pager = useCursor();
  const [exporting, setExporting] = useState(false);
  const q = useQuery({
    queryKey: ['coverage', filters.query, pager.cursor],
    queryFn: ({ signal }) => api<CoveragePage>('/v1/coverage', { query: { ...filters.query, cursor: pager.cursor, limit: PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
  });
  const summary = q.data ? foldSummary(q.data.summary) : null;
  const operate = can('operate');

  const columns: ColumnDef<Resource, unknown>[] = [
    {
      id: 'name', header: 'Resource',
      cell: ({ row: { original: r } }) => (
        <div className="resource-name">
          <Link to={`/resources/${encodeURIComponent(r.id)}`}>{r.name}</Link>
          <div className="muted small">
            {/* an image's ref is name@digest: the digest alone says it */}
            {r.ref && !r.ref.startsWith(`${r.name}@`) && r.ref !== r.name ? <span className="mono">{r.ref}</span> : null}
            {r.digest ? <span className="mono" title={r.digest}>{shortDigest(r.digest)}</span> : null}
            {r.tags.slice(0, 4).map((t) => <span key={t} className="tag">{t}</span>)}
            {r.tags.length > 4 ? <span>+{r.tags.length - 4}</span> : null}
          </div>
        </div>
      ),
    },
    { id: 'type', header: 'Type', cell: ({ row }) => row.original.type },
    ...(isDelegatedAdmin ? [{ id: 'account', header: 'Account', cell: ({ row }) => <AccountName id={row.original.accountId} /> } satisfies ColumnDef<Resource, unknown>] : []),
    { id: 'coverage', header: 'Coverage', cell: ({ row }) => <CoverageCell coverage={row.original.coverage} /> },
    { id: 'inUse', header: 'In use', cell: ({ row }) => <InUseCell inUse={row.original.inUse} /> },
    { id: 'lastScanned', header: 'Last scanned', cell: ({ row }) => <Ago iso={row.original.coverage.lastScannedAt} /> },
    { id: 'findings', header: 'Active findings', cell: ({ row }) => <SeverityCountsCell resourceId={row.original.id} counts={row.original.activeFindings} /> },
    { id: 'sbom', header: 'SBOM', cell: ({ row }) => <SbomLinks resource={row.original} compact /> },
    ...(operate ? [{ id: 'actions', header: 'Actions', cell: ({ row }) => <ScanNowButton resource={row.original} compact /> } satisfies ColumnDef<Resource, unknown>] : []),
  ];

  return (
    <>
      <PageHeader
        title="Resources and coverage"
        subtitle="Every resource Vigil knows, whether it is scanned, and why not."
        actions={operate ? <button type="button" onClick={() => setExporting(true)} disabled={exporting}>Export SBOMs…</button> : null}
      />
      {exporting ? <SbomExportPanel filter={filters.query} onClose={() => setExporting(false)} /> : null}
      {summary ? (
        <div className="grid cols-2 coverage-summary">
          <div className="grid cols-3">
            <Stat label="Resources" value={formatCount(summary.total)} hint={Object.keys(filters.query).length ? 'selected by the filter' : 'in sight'} />
            <Stat label="Scanned" value={formatPercent(summary.scanned, summary.total)} hint={`${formatCount(summary.scanned)} with a successful last scan`} />
            <Stat label="Monitored" value={formatCount(summary.active)} hint="coverage ACTIVE" />
          </div>
          <Card title="Coverage by type">
            {summary.byType.length ? (
              <table className="compact">
                <caption className="visually-hidden">Resources by type: total, scanned, share scanned</caption>
                <thead><tr><th scope="col">Type</th><th scope="col" className="num">Resources</th><th scope="col" className="num">Scanned</th><th scope="col" className="num">Share</th></tr></thead>
                <tbody>
                  {summary.byType.map((t) => (
                    <tr key={t.type}>
                      <th scope="row"><button type="button" className="link" onClick={() => filters.add('type', t.type)} aria-label={`Filter by type ${t.type}`}>{t.type}</button></th>
                      <td className="num">{formatCount(t.total)}</td>
                      <td className="num">{formatCount(t.scanned)}</td>
                      <td className="num"><Meter part={t.scanned} whole={t.total} label={`${t.type} scanned`} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : <p className="muted">No resources.</p>}
          </Card>
        </div>
      ) : null}
      {summary && summary.notScanned.length ? (
        <Card title="Not scanned, by reason" className="reasons-card">
          <ul className="reasons">
            {summary.notScanned.map((r) => (
              <li key={r.reason}>
                <button type="button" className="link mono" onClick={() => filters.add('coverageReason', r.reason)} aria-label={`Filter by reason ${r.reason}`}>{r.reason}</button>
                {' '}<strong>{formatCount(r.count)}</strong>
                <span className="muted"> — {COVERAGE_REASONS[r.reason] ?? 'see the resource'}</span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <h2 className="section-title">Resources</h2>
      <FilterChips defs={defs} filters={filters} />
      <ErrorMessage error={q.error} />
      <DataTable
        caption="Resources"
        columns={columns}
        rows={q.data?.items}
        loading={q.isPending}
        rowKey={(r) => r.id}
        onRowClick={(r) => navigate(`/resources/${encodeURIComponent(r.id)}`)}
        empty={Object.keys(filters.query).length ? 'No resource matches these filters.' : 'No resources yet: register a target (Targets) and its resources appear here after discovery.'}
      />
      <Pager nextCursor={q.data?.nextCursor} pager={pager} count={q.data?.items.length} />
    </>
  );
}

/** A small bar with the share as text beside it. */
export function Meter({ part, whole, label }: { part: number; whole: number; label: string }) {
  const pct = whole ? (100 * part) / whole : 0;
  return (
    <span className="meter-wrap">
      <span className="meter" role="img" aria-label={`${label}: ${formatPercent(part, whole)}`}><span style={{ width: `${pct}%` }} /></span>
      <span aria-hidden="true">{formatPercent(part, whole)}</span>
    </span>
  );
}
