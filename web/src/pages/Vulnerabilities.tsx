/**
 * Vulnerability search: a CVE, GHSA or any alias (exact or prefix), or words of the summary
 * (GET /v1/vulnerabilities?q=). The query is in the URL (?q=), so a search can be shared. With no
 * query, the most widespread vulnerabilities in sight (GET /v1/aggregations/findings?by=vulnerability).
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import { Card, ErrorMessage, PageHeader, SeverityBadge } from '../components/common.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { formatCount, formatTime } from '../format.ts';
import { SEVERITIES, type Aggregation, type VulnerabilityHit } from '../types.ts';

const LIMIT = 100;

const vulnPath = (id: string) => `/vulnerabilities/${encodeURIComponent(id)}`;

export function Vulnerabilities() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const q = params.get('q')?.trim() ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const search = useQuery({
    queryKey: ['vulnerabilities', q],
    queryFn: ({ signal }) => api<{ items: VulnerabilityHit[] }>('/v1/vulnerabilities', { query: { q, limit: LIMIT }, signal }),
    enabled: q !== '',
    placeholderData: keepPreviousData,
  });
  const top = useQuery({
    queryKey: ['aggregation', 'vulnerability', 20],
    queryFn: ({ signal }) => api<Aggregation>('/v1/aggregations/findings', { query: { by: 'vulnerability', limit: 20 }, signal }),
    enabled: q === '',
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams(params);
    if (text.trim()) p.set('q', text.trim());
    else p.delete('q');
    setParams(p);
  };

  const columns: ColumnDef<VulnerabilityHit, unknown>[] = [
    {
      id: 'id', header: 'Vulnerability', size: 200,
      cell: ({ row: { original: v } }) => (
        <>
          <Link to={vulnPath(v.id)}><strong>{v.id}</strong></Link>
          {v.aliases.filter((a) => a !== v.id).length ? <div className="muted small">{v.aliases.filter((a) => a !== v.id).slice(0, 4).join(', ')}{v.aliases.length > 5 ? ', …' : ''}</div> : null}
        </>
      ),
    },
    { id: 'severity', header: 'Severity', cell: ({ row }) => (row.original.severity ? <SeverityBadge severity={row.original.severity} /> : <span className="muted">—</span>) },
    { id: 'score', header: 'CVSS', cell: ({ row }) => (row.original.score ?? '—') },
    { id: 'kev', header: 'KEV', cell: ({ row }) => (row.original.kev ? <span className="kev">Known exploited</span> : <span className="muted">no</span>) },
    { id: 'summary', header: 'Summary', size: 420, cell: ({ row }) => <span className="clamp-2">{row.original.summary ?? <span className="muted">no summary</span>}</span> },
    { id: 'published', header: 'Published', cell: ({ row }) => <span className="small">{row.original.published ? formatTime(row.original.published).slice(0, 10) : '—'}</span> },
    {
      id: 'affected', header: 'Affected resources',
      cell: ({ row: { original: v } }) => (v.affectedResources ? <Link to={vulnPath(v.id)}>{formatCount(v.affectedResources)}</Link> : <span className="muted">0</span>),
    },
  ];

  return (
    <>
      <PageHeader title="Vulnerabilities" subtitle="Look up a CVE, GHSA or any other alias: the merged record and every resource it affects." />
      <form role="search" className="search-form" onSubmit={submit}>
        <label htmlFor="vuln-q">Search vulnerabilities</label>
        <div className="search-row">
          <input id="vuln-q" type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="CVE-2024-3094, GHSA-…, or words of the summary" autoComplete="off" spellCheck={false} />
          <button type="submit" className="primary">Search</button>
        </div>
      </form>
      {q ? (
        <>
          <h2 className="section-title">
            Results for “{q}”{search.data ? <span className="muted small"> ({search.data.items.length}{search.data.items.length >= LIMIT ? '+' : ''})</span> : null}
          </h2>
          <ErrorMessage error={search.error} />
          <DataTable
            caption={`Vulnerabilities matching ${q}`}
            columns={columns}
            rows={search.data?.items}
            loading={search.isFetching && !search.data}
            rowKey={(v) => v.id}
            onRowClick={(v) => navigate(vulnPath(v.id))}
            empty={`No vulnerability record matches “${q}”. Ids and aliases match exactly or by prefix; other words search the summaries.`}
          />
        </>
      ) : (
        <Card title="Most widespread in your resources" className="spaced">
          <ErrorMessage error={top.error} />
          {top.data ? (
            top.data.items.length ? (
              <table className="compact full">
                <caption className="visually-hidden">Vulnerabilities with the most active findings</caption>
                <thead><tr><th scope="col">Vulnerability</th><th scope="col">Worst severity</th><th scope="col" className="num">Active findings</th></tr></thead>
                <tbody>
                  {top.data.items.map((a) => {
                    const worst = SEVERITIES.find((s) => a.bySeverity[s]);
                    return (
                      <tr key={a.key}>
                        <th scope="row"><Link to={vulnPath(a.key)}>{a.key}</Link>{a.label && a.label !== a.key ? <div className="muted small">{a.label}</div> : null}</th>
                        <td>{worst ? <SeverityBadge severity={worst} /> : '—'}</td>
                        <td className="num">{formatCount(a.count)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            ) : <p className="muted">No active findings: search any vulnerability above.</p>
          ) : top.isPending ? <p className="muted" role="status">Loading…</p> : null}
        </Card>
      )}
    </>
  );
}
