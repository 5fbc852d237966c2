/**
 * Where the account (or, for a delegated admin, the organization) stands: one call to
 * `GET /v1/dashboard`. Every number links to the list it counts (findings explorer, resources),
 * and the key numbers carry `data-testid` + `data-value` (the raw number) for the browser tests,
 * which compare them with the API's.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useId, useMemo } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, withQuery } from '../api.ts';
import { Chart, SEVERITY_COLORS, type ChartOption } from '../components/Chart.tsx';
import { Card, Empty, ErrorMessage, Loading, PageHeader, SeverityBadge } from '../components/common.tsx';
import { isNetworkVulnerabilityId } from '../components/network/labels.ts';
import { isWeaknessId } from '../components/code/labels.ts';
import { formatCount, formatPercent, formatTime } from '../format.ts';
import { useSession } from '../session.tsx';
import { SEVERITIES, type Account, type Dashboard as DashboardData, type Severity } from '../types.ts';

/** a percentage with one decimal, as a number (what `dash-coverage-percent` shows) */
function percent(part: number, whole: number): number | null {
  return whole ? Math.round((1000 * part) / whole) / 10 : null;
}

/** A key number: formatted for people, raw in data-value for tests and scripts. */
function KeyStat({ id, label, value, text, hint, tone, to }: {
  id: string; label: string; value: number | null; text?: string; hint?: React.ReactNode; tone?: string; to?: string;
}) {
  const shown = text ?? formatCount(value);
  return (
    <div className={`stat${tone ? ` tone-${tone}` : ''}`}>
      <div className="stat-value">
        {to ? (
          <Link to={to} className="stat-link" data-testid={id} data-value={value ?? ''}>{shown}</Link>
        ) : (
          <span data-testid={id} data-value={value ?? ''}>{shown}</span>
        )}
      </div>
      <div className="stat-label">{label}</div>
      {hint ? <div className="stat-hint">{hint}</div> : null}
    </div>
  );
}

const TREND_SEVERITIES: Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const LINE_TYPES: Partial<Record<Severity, 'solid' | 'dashed' | 'dotted'>> = { MEDIUM: 'dashed', LOW: 'dotted', NONE: 'dotted', UNKNOWN: 'dotted' };

export function Dashboard() {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const { isDelegatedAdmin } = useSession();
  const ids = useId();
  // the delegated admin sees the organization, or one account of it (accountId in the URL)
  const accountId = params.get('accountId') ?? undefined;
  const accounts = useQuery({
    queryKey: ['accounts'],
    queryFn: ({ signal }) => api<{ items: Account[] }>('/v1/accounts', { signal }),
    enabled: isDelegatedAdmin,
  });
  const q = useQuery({
    queryKey: ['dashboard', accountId],
    queryFn: ({ signal }) => api<DashboardData>('/v1/dashboard', { query: { accountId }, signal }),
    placeholderData: keepPreviousData,
  });
  const d = q.data;
  /** a link to the findings explorer, narrowed to the account shown */
  const findingsHref = (query: Record<string, string>) => withQuery('/findings', { ...query, accountId });
  const accountPicker = isDelegatedAdmin && accounts.data && accounts.data.items.length > 1 ? (
    <>
      <label htmlFor={`${ids}-account`}>Account</label>
      <select id={`${ids}-account`} value={accountId ?? ''} onChange={(e) => {
        const p = new URLSearchParams(params);
        if (e.target.value) p.set('accountId', e.target.value);
        else p.delete('accountId');
        setParams(p);
      }}>
        <option value="">Every account of the organization</option>
        {accounts.data.items.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
      </select>
    </>
  ) : null;

  const severityOption = useMemo<ChartOption | null>(() => {
    if (!d) return null;
    return {
      grid: { left: 80, right: 24, top: 8, bottom: 24 },
      tooltip: { trigger: 'item' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: [...SEVERITIES] },
      series: [{
        type: 'bar', name: 'Active findings',
        data: SEVERITIES.map((s) => ({ value: d.severity[s] ?? 0, itemStyle: { color: SEVERITY_COLORS[s] } })),
        label: { show: true, position: 'right' },
        cursor: 'pointer',
      }],
    };
  }, [d]);

  const trendOption = useMemo<ChartOption | null>(() => {
    if (!d || d.trend.length === 0) return null;
    const present = SEVERITIES.filter((s) => TREND_SEVERITIES.includes(s) || d.trend.some((t) => (t[s] ?? 0) > 0));
    return {
      grid: { left: 56, right: 20, top: 36, bottom: 28 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: d.trend.map((t) => t.day.slice(5)), boundaryGap: false },
      yAxis: { type: 'value', minInterval: 1 },
      series: present.map((s) => ({
        type: 'line', name: s, data: d.trend.map((t) => t[s] ?? 0), showSymbol: d.trend.length < 2,
        // HIGH and MEDIUM are both orange: the line type tells them apart (and helps colour-blind readers)
        lineStyle: { width: 2, type: LINE_TYPES[s] ?? 'solid' }, itemStyle: { color: SEVERITY_COLORS[s] },
      })),
    };
  }, [d]);

  const fixOption = useMemo<ChartOption | null>(() => {
    if (!d) return null;
    const parts = [
      { key: 'YES', name: 'Fix available', color: '#166534' },
      { key: 'PARTIAL', name: 'Partly fixed', color: '#b45309' },
      { key: 'NO', name: 'No fix yet', color: '#64748b' },
    ] as const;
    return {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      series: [{
        type: 'pie', radius: ['45%', '75%'], center: ['50%', '50%'], cursor: 'pointer',
        label: { formatter: '{d}%' },
        data: parts.filter((p) => (d.fixAvailable[p.key] ?? 0) > 0).map((p) => ({ name: p.name, value: d.fixAvailable[p.key] ?? 0, itemStyle: { color: p.color }, fix: p.key })),
      }],
    };
  }, [d]);

  if (q.isPending) return (<><PageHeader title="Dashboard" actions={accountPicker} /><Loading label="Loading the dashboard…" /></>);
  if (q.isError || !d) return (<><PageHeader title="Dashboard" actions={accountPicker} /><ErrorMessage error={q.error} /></>);

  const totalActive = SEVERITIES.reduce((n, s) => n + (d.severity[s] ?? 0), 0);
  const fixTotal = (d.fixAvailable.YES ?? 0) + (d.fixAvailable.PARTIAL ?? 0) + (d.fixAvailable.NO ?? 0);
  const coverage = percent(d.coverage.scanned, d.coverage.total);

  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={<>Active findings and scan coverage · as of {formatTime(d.generatedAt)}</>}
        actions={accountPicker}
      />

      <div className="grid cols-6 dash-stats">
        <KeyStat id="dash-critical" label="Critical" value={d.severity.CRITICAL ?? 0} tone="critical" to={findingsHref({ severity: 'CRITICAL' })} />
        <KeyStat id="dash-high" label="High" value={d.severity.HIGH ?? 0} tone="high" to={findingsHref({ severity: 'HIGH' })} />
        <KeyStat id="dash-total-active" label="Active findings" value={totalActive} to={findingsHref({})} />
        <KeyStat id="dash-new-24h" label="New in the last 24 hours" value={d.newLast24h.total}
          hint={d.newLast24h.total ? `${formatCount(d.newLast24h.bySeverity.CRITICAL ?? 0)} critical · ${formatCount(d.newLast24h.bySeverity.HIGH ?? 0)} high` : 'nothing new'} />
        <KeyStat id="dash-coverage-percent" label="Resources scanned" value={coverage} text={coverage === null ? '—' : `${coverage}%`}
          hint={`${formatCount(d.coverage.scanned)} of ${formatCount(d.coverage.total)}`} to={withQuery('/resources', { accountId })} />
        <KeyStat id="dash-fix-available" label="Fix available" value={percent(d.fixAvailable.YES ?? 0, fixTotal)}
          text={formatPercent(d.fixAvailable.YES ?? 0, fixTotal)} hint={`${formatCount(d.fixAvailable.YES ?? 0)} findings`} to={findingsHref({ fixAvailable: 'YES' })} />
      </div>

      <div className="grid cols-2 dash-row">
        <Card title="Active findings by severity">
          {totalActive === 0 ? <Empty>No active findings.</Empty> : severityOption ? (
            <Chart option={severityOption} label={`Active findings by severity: ${SEVERITIES.map((s) => `${s} ${d.severity[s] ?? 0}`).join(', ')}`}
              onItemClick={(name) => navigate(findingsHref({ severity: name }))} height={220} />
          ) : null}
          <ul className="sev-legend" aria-label="Open the findings of a severity">
            {SEVERITIES.map((s) => (
              <li key={s}><Link to={findingsHref({ severity: s })}><SeverityBadge severity={s} /> {formatCount(d.severity[s] ?? 0)}</Link></li>
            ))}
          </ul>
        </Card>

        <Card title="Coverage">
          <p className="dash-coverage-line">
            <strong>{coverage === null ? '—' : `${coverage}%`}</strong> of resources scanned ({formatCount(d.coverage.scanned)} of {formatCount(d.coverage.total)})
          </p>
          {d.coverage.total === 0 ? <Empty>No resources yet: <Link to="/targets">add a target</Link> (a registry, host, function, repository or root filesystem) to start scanning.</Empty> : (
            <div className="table-scroll"><table className="data compact">
              <caption className="visually-hidden">Coverage by resource type</caption>
              <thead><tr><th scope="col">Type</th><th scope="col" className="num">Scanned</th><th scope="col" className="num">Total</th><th scope="col" className="num">Share</th><th scope="col"><span className="visually-hidden">Progress</span></th></tr></thead>
              <tbody>
                {d.coverage.byType.map((t) => (
                  <tr key={t.type}>
                    <td><Link to={withQuery('/resources', { type: t.type, accountId })}>{t.type}</Link></td>
                    <td className="num">{formatCount(t.scanned)}</td>
                    <td className="num">{formatCount(t.total)}</td>
                    <td className="num">{formatPercent(t.scanned, t.total)}</td>
                    <td className="bar-cell"><span className="meter"><span style={{ width: `${t.total ? (100 * t.scanned) / t.total : 0}%` }} /></span></td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          )}
          {d.coverage.notScanned.length ? (
            <>
              <h3 className="dash-sub">Not scanned, and why</h3>
              <ul className="reasons">
                {d.coverage.notScanned.map((r) => (
                  <li key={r.reason}>
                    <Link to={withQuery('/resources', { coverageReason: r.reason, accountId })}>{r.reason}</Link>
                    <span className="count">{formatCount(r.count)}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : d.coverage.total ? <p className="muted">Every resource has been scanned.</p> : null}
        </Card>
      </div>

      <div className="grid cols-2-1 dash-row">
        <Card title="Trend (last 30 days)">
          {trendOption ? (
            <Chart option={trendOption} height={260}
              label={`Active findings per day by severity, ${d.trend[0].day} to ${d.trend[d.trend.length - 1].day}`} />
          ) : <Empty>No findings in the daily snapshots yet (one is taken every day, and at start-up when today has none).</Empty>}
        </Card>
        <Card title="Fix available">
          {fixTotal === 0 || !fixOption ? <Empty>No active findings.</Empty> : (
            <>
            <Chart option={fixOption} height={220}
              label={`Active findings by fix availability: ${d.fixAvailable.YES ?? 0} with a fix, ${d.fixAvailable.PARTIAL ?? 0} partly fixed, ${d.fixAvailable.NO ?? 0} with no fix`}
              onItemClick={(_name, data) => navigate(findingsHref({ fixAvailable: (data as { fix?: string } | undefined)?.fix ?? 'YES' }))} />
            <ul className="fix-legend" aria-label="Open the findings by fix availability">
              <li><Link to={findingsHref({ fixAvailable: 'YES' })}>Fix available: {formatCount(d.fixAvailable.YES ?? 0)}</Link></li>
              <li><Link to={findingsHref({ fixAvailable: 'PARTIAL' })}>Partly fixed: {formatCount(d.fixAvailable.PARTIAL ?? 0)}</Link></li>
              <li><Link to={findingsHref({ fixAvailable: 'NO' })}>No fix yet: {formatCount(d.fixAvailable.NO ?? 0)}</Link></li>
            </ul>
            </>
          )}
        </Card>
      </div>

      <div className="grid cols-2 dash-row">
        <Card title="Riskiest resources" actions={<Link to={withQuery('/resources', { accountId })}>All resources</Link>}>
          {d.topResources.length === 0 ? <Empty>No resource has active findings.</Empty> : (
            <div className="table-scroll"><table className="data compact">
              <caption className="visually-hidden">Resources with the most critical and high findings</caption>
              <thead><tr><th scope="col">Resource</th><th scope="col">Type</th><th scope="col" className="num">Critical</th><th scope="col" className="num">High</th><th scope="col" className="num">All</th></tr></thead>
              <tbody>
                {d.topResources.map((r) => (
                  <tr key={r.resourceId}>
                    <td className="ellipsis"><Link to={`/resources/${encodeURIComponent(r.resourceId)}`} title={r.name}>{r.name}</Link></td>
                    <td>{r.type}</td>
                    <td className="num"><Link to={findingsHref({ resourceId: r.resourceId, severity: 'CRITICAL' })} aria-label={`${r.critical} critical findings of ${r.name}`}>{formatCount(r.critical)}</Link></td>
                    <td className="num"><Link to={findingsHref({ resourceId: r.resourceId, severity: 'HIGH' })} aria-label={`${r.high} high findings of ${r.name}`}>{formatCount(r.high)}</Link></td>
                    <td className="num"><Link to={findingsHref({ resourceId: r.resourceId })} aria-label={`${r.total} findings of ${r.name}`}>{formatCount(r.total)}</Link></td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          )}
        </Card>
        <Card title="Most widespread vulnerabilities" actions={<Link to={findingsHref({ group: 'vulnerability' })}>Group findings by vulnerability</Link>}>
          {d.topVulnerabilities.length === 0 ? <Empty>No active vulnerabilities.</Empty> : (
            <div className="table-scroll"><table className="data compact">
              <caption className="visually-hidden">Vulnerabilities affecting the most resources</caption>
              <thead><tr><th scope="col">Vulnerability</th><th scope="col">Severity</th><th scope="col" className="num">Resources</th><th scope="col" className="num">Findings</th></tr></thead>
              <tbody>
                {d.topVulnerabilities.map((v) => (
                  <tr key={v.vulnerabilityId}>
                    <td className="vuln-cell">
                      {/* a network reachability id (NET-TCP-22) or the CWE of secrets and code flaws has no vulnerability record: its findings instead */}
                      <Link to={isNetworkVulnerabilityId(v.vulnerabilityId) || isWeaknessId(v.vulnerabilityId) ? findingsHref({ vulnerabilityId: v.vulnerabilityId }) : `/vulnerabilities/${encodeURIComponent(v.vulnerabilityId)}`} className="mono nowrap">{v.vulnerabilityId}</Link>
                      {v.title && !v.title.startsWith(v.vulnerabilityId) ? <div className="clamp small muted" title={v.title}>{v.title}</div> : null}
                    </td>
                    <td><SeverityBadge severity={v.severity} /></td>
                    <td className="num">{formatCount(v.resources)}</td>
                    <td className="num"><Link to={findingsHref({ vulnerabilityId: v.vulnerabilityId })} aria-label={`${v.findings} findings of ${v.vulnerabilityId}`}>{formatCount(v.findings)}</Link></td>
                  </tr>
                ))}
              </tbody>
            </table></div>
          )}
        </Card>
      </div>
    </>
  );
}

