/**
 * One resource: what it is (type, name, ref, digest, tags, account), its coverage (status, reason,
 * last scan, last error, partial-scan note), ACTIVE findings by severity (links to the findings
 * explorer), "Scan now", SBOM downloads, and its inventory page by page with each package's layer.
 * Its key/value tags (ResourceTags: add and remove for roles that may). An image's use by running
 * workloads (issue 19): running containers, their clusters, the last time one ran.
 * Calls: GET /v1/resources/{id}, GET /v1/resources/{id}/packages (keyset pages), GET/PUT/DELETE /v1/resources/{id}/tags.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, withQuery } from '../api.ts';
import { Card, ErrorMessage, Fields, Loading, PageHeader, SeverityBadge } from '../components/common.tsx';
import { DataTable, Pager, useCursor } from '../components/DataTable.tsx';
import { COVERAGE_REASONS } from '../components/inventory/coverage.ts';
import { AccountName, Ago, PartialNote, SbomLinks, ScanNowButton } from '../components/inventory/parts.tsx';
import { ResourceTags } from '../components/inventory/ResourceTags.tsx';
import { formatCount, formatTime, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import { SEVERITIES, type InventoryPackage, type Page, type ResourceDetail } from '../types.ts';

const PAGE_SIZE = 100;

export function Resource() {
  const { id = '' } = useParams();
  const { can, isDelegatedAdmin } = useSession();
  const pager = useCursor();
  const r = useQuery({
    queryKey: ['resource', id],
    queryFn: ({ signal }) => api<ResourceDetail>(`/v1/resources/${encodeURIComponent(id)}`, { signal }),
  });
  const pkgs = useQuery({
    queryKey: ['resource', id, 'packages', pager.cursor],
    queryFn: ({ signal }) => api<Page<InventoryPackage>>(`/v1/resources/${encodeURIComponent(id)}/packages`, { query: { cursor: pager.cursor, limit: PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
    enabled: r.isSuccess,
  });

  if (r.isPending) return <><PageHeader title="Resource" /><Loading /></>;
  if (r.isError) {
    return (
      <>
        <PageHeader title="Resource" />
        <ErrorMessage error={r.error} />
        <p><Link to="/resources">Back to resources</Link></p>
      </>
    );
  }
  const res = r.data;
  const cov = res.coverage;
  const columns: ColumnDef<InventoryPackage, unknown>[] = [
    { id: 'name', header: 'Package', cell: ({ row: { original: p } }) => <><strong>{p.name}</strong>{p.purl ? <div className="muted small mono purl">{p.purl}</div> : null}</> },
    { id: 'version', header: 'Version', cell: ({ row }) => <span className="mono version-cell">{row.original.version}</span> },
    { id: 'ecosystem', header: 'Ecosystem', cell: ({ row }) => row.original.ecosystem },
    {
      id: 'source', header: 'Source package',
      // the source package only when it says something the binary package does not
      cell: ({ row: { original: p } }) => (p.sourceName && (p.sourceName !== p.name || (p.sourceVersion && p.sourceVersion !== p.version))
        ? <span className="mono small">{p.sourceName}{p.sourceVersion && p.sourceVersion !== p.version ? ` ${p.sourceVersion}` : ''}</span>
        : <span className="muted">—</span>),
    },
    { id: 'location', header: 'Location', cell: ({ row }) => <span className="mono small path">{row.original.location}</span> },
    {
      id: 'layer', header: 'Layer', size: 320,
      cell: ({ row: { original: p } }) => (p.layer ? (
        <div className="layer-cell">
          <span className="mono small" title={p.layer.digest}>{p.layer.index !== undefined ? `#${p.layer.index} ` : ''}{shortDigest(p.layer.digest)}</span>
          {p.layer.createdBy ? <div className="created-by mono small" title={p.layer.createdBy}>{p.layer.createdBy}</div> : null}
        </div>
      ) : <span className="muted">—</span>),
    },
  ];

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb"><Link to="/resources">Resources</Link> › <span>{res.name}</span></nav>
      <PageHeader
        title={res.name}
        subtitle={<>{res.type}{res.ref && !res.ref.startsWith(`${res.name}@`) && res.ref !== res.name ? <> · <span className="mono">{res.ref}</span></> : null}{res.tags.length ? <> · {res.tags.map((t) => <span key={t} className="tag">{t}</span>)}</> : null}</>}
        actions={<>{can('operate') ? <ScanNowButton resource={res} /> : null}<SbomLinks resource={res} /></>}
      />
      <div className="grid cols-2">
        <Card title="Resource">
          <Fields items={[
            ['Type', res.type],
            ['Name', res.name],
            ['Reference', res.ref ? <span className="mono">{res.ref}</span> : null],
            ['Digest', res.digest ? <span className="mono">{res.digest}</span> : null],
            // an image's registry tags (its key/value tags are the card below)
            ...(res.type === 'image' || res.tags.length ? [['Image tags', res.tags.length ? res.tags.map((t) => <span key={t} className="tag">{t}</span>) : <span className="muted">none</span>] as [string, ReactNode]] : []),
            ...(isDelegatedAdmin ? [['Account', <AccountName id={res.accountId} />] as [string, ReactNode]] : []),
            ['Id', <span className="mono small">{res.id}</span>],
            ['First seen', formatTime(res.createdAt)],
          ]} />
        </Card>
        <Card title="Coverage">
          <Fields items={[
            ['Status', <span className={cov.status === 'ACTIVE' && cov.reason === 'SUCCESSFUL' ? 'status-ok' : cov.status === 'ACTIVE' ? 'status-warn' : 'status-bad'}>{cov.status}</span>],
            ['Reason', cov.reason ? <><span className="mono">{cov.reason}</span>{COVERAGE_REASONS[cov.reason] ? <div className="muted small">{COVERAGE_REASONS[cov.reason]}</div> : null}</> : null],
            ['Last scanned', <><Ago iso={cov.lastScannedAt} />{cov.lastScannedAt ? <div className="muted small">{formatTime(cov.lastScannedAt)}</div> : null}</>],
            ['Packages', formatCount(res.packageCount)],
            // issue 19: as Inspector shows for ECR images, the running containers and when one last ran
            ...(res.inUse ? [
              ['In use', <span key="u" data-testid="resource-in-use">{res.inUse.runningContainers > 0
                ? <><strong className="status-ok">{formatCount(res.inUse.runningContainers)} running container{res.inUse.runningContainers === 1 ? '' : 's'}</strong><div className="muted small">in {res.inUse.clusters.join(', ')} · <Link to="/workloads">Running workloads</Link></div></>
                : <span className="muted">no running container</span>}</span>],
              ['Last in use', <span key="l" data-testid="resource-last-in-use">{res.inUse.lastInUseAt ? <><Ago iso={res.inUse.lastInUseAt} /><div className="muted small">{formatTime(res.inUse.lastInUseAt)}</div></> : <span className="muted">never seen running</span>}</span>],
            ] as [string, ReactNode][] : []),
          ]} />
          {cov.lastError ? <div className="error" role="note"><strong>Last error: </strong>{cov.lastError}</div> : null}
          {cov.partial ? <PartialNote partial={cov.partial} /> : null}
        </Card>
      </div>
      <ResourceTags resourceId={res.id} name={res.name} />
      <Card title="Active findings" className="spaced" actions={<Link to={withQuery('/findings', { resourceId: res.id })}>Open in the findings explorer</Link>}>
        {res.activeFindings.total ? (
          <ul className="sev-tiles">
            {SEVERITIES.filter((s) => res.activeFindings[s]).map((s) => (
              <li key={s}>
                <Link to={withQuery('/findings', { resourceId: res.id, severity: s })}>
                  <SeverityBadge severity={s} /> <strong>{formatCount(res.activeFindings[s])}</strong>
                </Link>
              </li>
            ))}
            <li className="muted">{formatCount(res.activeFindings.total)} in all</li>
          </ul>
        ) : <p className="muted">No active findings{cov.lastScannedAt ? '' : ' (not scanned yet)'}.</p>}
      </Card>
      <h2 className="section-title">Inventory <span className="muted small">({formatCount(res.packageCount)} packages)</span></h2>
      <ErrorMessage error={pkgs.error} />
      <DataTable
        caption={`Packages of ${res.name}`}
        columns={columns}
        rows={pkgs.data?.items}
        loading={pkgs.isPending}
        rowKey={(p) => `${p.ecosystem}|${p.name}|${p.version}|${p.location}`}
        empty={cov.lastScannedAt ? 'The last scan found no packages.' : 'No inventory yet: the resource has not been scanned.'}
      />
      <Pager nextCursor={pkgs.data?.nextCursor} pager={pager} count={pkgs.data?.items.length} />
    </>
  );
}
