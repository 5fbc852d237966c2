/**
 * The findings explorer: every filter of `GET /v1/findings` as chips in the URL, the server's sort
 * and keyset pages, a grouped view (`GET /v1/aggregations/findings?by=…` with the same filters),
 * export of the current filter, and "create a suppression rule from this filter".
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { useId } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, downloadHref, withQuery } from '../api.ts';
import { criteriaFromFilters, newRuleHref } from '../criteria.ts';
import { DataTable, Pager, useCursor } from '../components/DataTable.tsx';
import { FilterChips, useFilters } from '../components/FilterChips.tsx';
import { ErrorMessage, PageHeader, SeverityBadge } from '../components/common.tsx';
import { FINDING_FILTERS, GROUPS, SORTS } from '../components/findings/filters.ts';
import { FixCell, SeverityBar, StatusCell } from '../components/findings/cells.tsx';
import { formatAgo, formatCount, formatTime, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import { portFromPackageName } from '../components/network/labels.ts';
import { FINDING_TYPE_TAGS, findingTypeLabel, isFileFinding, NETWORK_FINDING_TYPE, type Aggregation, type AggregationItem, type FindingSummary, type Page } from '../types.ts';

const PAGE_SIZE = 50;
const GROUP_LIMIT = 200;
const col = createColumnHelper<FindingSummary>();

const columns = [
  col.accessor('severity', { id: 'severity', header: 'Severity', size: 96, cell: (c) => <SeverityBadge severity={c.getValue()} /> }),
  col.display({
    id: 'title', header: 'Finding',
    cell: ({ row: { original: f } }) => (
      <div className="finding-title">
        <Link to={`/findings/${encodeURIComponent(f.id)}`} className="mono nowrap">{f.vulnerabilityId}</Link>
        {f.type !== 'vulnerability' ? <span className="type-tag" title={findingTypeLabel(f.type)}>{(FINDING_TYPE_TAGS as Record<string, string>)[f.type] || f.type}</span> : null}
        {f.exploitAvailable ? <span className="kev-tag" title="known exploited (CISA KEV)">exploited</span> : null}
        {f.title && !f.title.startsWith(f.vulnerabilityId) ? <div className="clamp small" title={f.title}>{f.title}</div> : null}
      </div>
    ),
  }),
  col.display({
    id: 'package', header: 'Package, port or file',
    cell: ({ row: { original: f } }) => <PackageCell f={f} />,
  }),
  col.display({
    id: 'resource', header: 'Resource',
    cell: ({ row: { original: f } }) => (
      <div className="ellipsis-cell">
        <Link to={`/resources/${encodeURIComponent(f.resource.id)}`} title={f.resource.ref ?? f.resource.name}>{f.resource.name}</Link>
        <div className="muted small">{f.resource.type}{f.resource.digest ? <> · <span className="mono" title={f.resource.digest}>{shortDigest(f.resource.digest)}</span></> : f.resource.ref ? ` · ${f.resource.ref}` : ''}</div>
      </div>
    ),
  }),
  // a network finding has no fixed version: closing the path is the fix; a secret or a code flaw
  // neither (a code flaw's mechanical fix is on its page: the list carries no details)
  col.display({ id: 'fix', header: 'Fix', cell: ({ row: { original: f } }) => (f.type === NETWORK_FINDING_TYPE || isFileFinding(f.type) ? <span className="muted">—</span> : <FixCell finding={f} />) }),
  col.accessor('score', { id: 'score', header: 'Score', size: 70, cell: (c) => (c.getValue() === null ? '—' : c.getValue()!.toFixed(1)) }),
  col.display({ id: 'status', header: 'Status', cell: ({ row: { original: f } }) => <StatusCell status={f.status} /> }),
  col.accessor('updatedAt', {
    id: 'updated', header: 'Updated',
    cell: ({ row: { original: f } }) => (
      <div className="nowrap">
        <span title={formatTime(f.updatedAt)}>{formatAgo(f.updatedAt)}</span>
        <div className="muted small" title={`first observed ${formatTime(f.firstObservedAt)}`}>first {formatAgo(f.firstObservedAt)}</div>
      </div>
    ),
  }),
];
/**
 * The package, or for a network reachability finding what is open ("TCP port 22 (SSH)", from
 * `package.name` "tcp/22": the list carries no details), or for a secret or a code flaw the file
 * (`package.name`; the line is in the details only) and the detector rule under it, with the commit
 * for a secret found in the git history (`package.version`); a row without a package shows a dash.
 */
function PackageCell({ f }: { f: FindingSummary }) {
  const p = f.package as FindingSummary['package'] | null | undefined;
  if (f.type === NETWORK_FINDING_TYPE) {
    const port = portFromPackageName(p?.name);
    return (
      <div className="net-cell">
        {port ? <span className="nowrap">{port.text}</span> : <span className="mono">{p?.name || '—'}</span>}
        <div className="muted small">open to the internet</div>
      </div>
    );
  }
  if (isFileFinding(f.type)) {
    return (
      <div className="file-cell">
        {p?.name ? <span className="mono file-path" title={p.name}>{p.name}</span> : <span className="muted">—</span>}
        <div className="muted small mono">{f.advisoryId}</div>
        {p?.version ? <div className="muted small">in git history · commit <span className="mono" title={p.version}>{p.version.slice(0, 10)}</span></div> : null}
      </div>
    );
  }
  if (!p || !p.name) return <span className="muted">—</span>;
  return (
    <div title={p.location || undefined}>
      <span className="mono">{p.name}</span> <span className="muted mono nowrap">{p.version}</span>
      <div className="muted small">{p.ecosystem}</div>
    </div>
  );
}

/** without a status filter every row is ACTIVE (the API's default), so the column says nothing */
const columnsActiveOnly = columns.filter((c) => c.id !== 'status');

export function Findings() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const filters = useFilters(FINDING_FILTERS);
  const pager = useCursor();
  const { can } = useSession();
  const ids = useId();
  const sort = params.get('sort') ?? 'severity';
  const group = GROUPS.find((g) => g.by === params.get('group'));

  const list = useQuery({
    queryKey: ['findings', filters.query, sort, pager.cursor],
    queryFn: ({ signal }) => api<Page<FindingSummary>>('/v1/findings', { query: { ...filters.query, sort, cursor: pager.cursor, limit: PAGE_SIZE }, signal }),
    enabled: !group,
    placeholderData: keepPreviousData,
  });
  const groups = useQuery({
    queryKey: ['findings-groups', group?.by, filters.query],
    queryFn: ({ signal }) => api<Aggregation>('/v1/aggregations/findings', { query: { ...filters.query, by: group!.by, limit: GROUP_LIMIT }, signal }),
    enabled: Boolean(group),
    placeholderData: keepPreviousData,
  });

  const setParam = (key: string, value: string | null) => {
    const p = new URLSearchParams(params);
    if (value) p.set(key, value);
    else p.delete(key);
    p.delete('cursor');
    p.delete('pages');
    setParams(p);
  };

  /** A group clicked: its key becomes a filter, and the list comes back. */
  const openGroup = (item: AggregationItem) => {
    if (!group) return;
    const p = new URLSearchParams(params);
    for (const [k, v] of group.filter(item.key)) {
      const def = FINDING_FILTERS.find((d) => d.key === k);
      if (def?.multi) {
        if (!p.getAll(k).includes(v)) p.append(k, v);
      } else p.set(k, v);
    }
    for (const k of ['group', 'cursor', 'pages']) p.delete(k);
    setParams(p);
  };

  const exportQuery = { ...filters.query, sort };
  const statusNote = filters.query.status ? null : <span className="muted small">Showing ACTIVE findings (add a Status filter for suppressed or closed ones).</span>;

  return (
    <>
      <PageHeader
        title="Findings"
        subtitle="Filter, sort and group every finding; open one for its evidence."
        actions={(
          <>
            <a className="button" href={downloadHref('/v1/findings/export', { ...exportQuery, format: 'csv' })} download>Export CSV</a>
            <a className="button" href={downloadHref('/v1/findings/export', { ...exportQuery, format: 'json' })} download>Export JSON</a>
            {can('operate') ? (
              <Link className="button" to={withQuery('/integrations/exports', { new: '1', ...filters.query })}
                title="A findings report of this filter (CSV, JSON or OCSF) kept for download or written to a directory or an S3 bucket">Export report…</Link>
            ) : null}
            {can('operate') ? (
              Object.keys(criteriaFromFilters(filters.query)).length ? (
                <Link className="button" to={newRuleHref(filters.query)}
                  title="Opens a new suppression rule with these filters as its criteria">Create suppression rule from this filter</Link>
              ) : (
                // a rule must name at least one criterion (the server refuses one that suppresses everything)
                <button type="button" disabled title="Add a filter a rule can use (severity, vulnerability, package, resource…) first">Create suppression rule from this filter</button>
              )
            ) : null}
          </>
        )}
      />
      <FilterChips defs={FINDING_FILTERS} filters={filters} />
      <div className="toolbar">
        <label htmlFor={`${ids}-group`}>Group by</label>
        <select id={`${ids}-group`} value={group?.by ?? ''} onChange={(e) => setParam('group', e.target.value || null)}>
          <option value="">No grouping (list)</option>
          {GROUPS.map((g) => <option key={g.by} value={g.by}>{g.label}</option>)}
        </select>
        {!group ? (
          <>
            <label htmlFor={`${ids}-sort`}>Sort by</label>
            <select id={`${ids}-sort`} value={sort} onChange={(e) => setParam('sort', e.target.value === 'severity' ? null : e.target.value)}>
              {SORTS.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
            </select>
          </>
        ) : null}
        {statusNote}
      </div>

      {group ? (
        <>
          <ErrorMessage error={groups.error} />
          <GroupTable by={group.label} primaryIsKey={group.primary === 'key'} labelOf={group.labelOf} data={groups.data} loading={groups.isFetching} onOpen={openGroup} />
          {groups.data && groups.data.items.length >= GROUP_LIMIT ? <p className="muted small">The {GROUP_LIMIT} largest groups are shown; narrow the filter to see the others.</p> : null}
        </>
      ) : (
        <>
          <ErrorMessage error={list.error} />
          <DataTable
            caption="Findings"
            columns={filters.query.status ? columns : columnsActiveOnly}
            rows={list.data?.items}
            loading={list.isFetching}
            rowKey={(f) => f.id}
            sortable={SORTS.map((s) => s.value)}
            sort={sort}
            onSort={(id) => setParam('sort', id === 'severity' ? null : id)}
            onRowClick={(f) => navigate(`/findings/${encodeURIComponent(f.id)}`)}
            empty="No findings match these filters."
          />
          <Pager nextCursor={list.data?.nextCursor} pager={pager} count={list.data?.items.length} />
        </>
      )}
    </>
  );
}

function GroupTable({ by, primaryIsKey, labelOf, data: raw, loading, onOpen }: { by: string; primaryIsKey: boolean; labelOf?: (key: string) => string | undefined; data: Aggregation | undefined; loading: boolean; onOpen: (item: AggregationItem) => void }) {
  // a label that only repeats the key ("CVE-1 - pkg" titles) is left out
  const second = (item: AggregationItem) => Boolean(item.label && item.label !== item.key && !item.label.startsWith(item.key));
  // keys the console names itself (finding types) when the server gives no label
  const data = raw && labelOf ? { ...raw, items: raw.items.map((i) => (i.label ? i : { ...i, label: labelOf(i.key) })) } : raw;
  if (!data) return loading ? <p className="state loading" role="status">Loading groups…</p> : null;
  if (data.items.length === 0) return <p className="state empty">No findings match these filters.</p>;
  const max = Math.max(...data.items.map((i) => i.count));
  return (
    <div className="table-wrap">
      <table className="data">
        <caption className="visually-hidden">Findings grouped by {by.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">{by}</th>
            <th scope="col" className="num">Findings</th>
            <th scope="col">By severity</th>
          </tr>
        </thead>
        <tbody>
          {data.items.map((item) => (
            <tr key={item.key}>
              <td className="group-key">
                <button type="button" className={`link${primaryIsKey ? ' mono' : ''}`} onClick={() => onOpen(item)} title={`Show the findings of ${item.key}`}>
                  {primaryIsKey || !second(item) ? item.key : item.label}
                </button>
                {second(item) ? <div className={`muted small${primaryIsKey ? '' : ' mono'}`}>{primaryIsKey ? item.label : item.key}</div> : null}
              </td>
              <td className="num">{formatCount(item.count)}</td>
              <td><SeverityBar counts={item.bySeverity} total={item.count} max={max} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
