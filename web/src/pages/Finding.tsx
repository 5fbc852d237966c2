/**
 * One finding and its evidence: `GET /v1/findings/{id}` (description, CVSS, the match explanation,
 * fix), the resource's inventory for the layer's `created_by` and the package's other paths
 * (`GET /v1/resources/{id}/packages`), KEV and EPSS from the vulnerability record
 * (`GET /v1/vulnerabilities/{id}`), the history (`GET /v1/findings/{id}/history`) and the rule that
 * suppresses it. "Suppress" writes a suppression rule for this vulnerability on this resource.
 * A network reachability finding (issue 16) has no package or advisory: its "Network path" section
 * (details.networkReachability) takes their place, and nothing is asked about a package. Secret and
 * code findings (issue 17) are about a file: their "Secret" or "Code" section (details.secret,
 * details.code) takes the place of the package, advisory and CVSS sections.
 */
import { useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError, withQuery } from '../api.ts';
import { Card, Empty, ErrorMessage, Fields, Loading, PageHeader, SeverityBadge } from '../components/common.tsx';
import { fixAvailabilityOf, StatusCell } from '../components/findings/cells.tsx';
import { openText } from '../components/network/labels.ts';
import { NetworkPathSection } from '../components/network/NetworkPath.tsx';
import { CodeSection, SecretSection } from '../components/code/CodeSections.tsx';
import { cweHref, locationText } from '../components/code/labels.ts';
import { formatTime, shortDigest } from '../format.ts';
import { useSession } from '../session.tsx';
import { CODE_FINDING_TYPE, findingTypeLabel, isFileFinding, NETWORK_FINDING_TYPE, SECRET_FINDING_TYPE, type ApiEvent, type FindingDetail, type InventoryPackage, type Page, type VigilScoring, type VulnerabilityRecord } from '../types.ts';

/** How many inventory pages (1,000 packages each) are read to find the package's layer and paths. */
const INVENTORY_PAGES = 5;

interface RuleInfo { id: string; name: string; reason: string; expiresAt: string | null }

export function Finding() {
  const { id = '' } = useParams();
  const finding = useQuery({
    queryKey: ['finding', id],
    queryFn: ({ signal }) => api<FindingDetail>(`/v1/findings/${encodeURIComponent(id)}`, { signal }),
  });
  const f = finding.data;

  if (finding.isPending) return (<><PageHeader title="Finding" /><Loading label="Loading the finding…" /></>);
  if (finding.isError || !f) {
    const gone = finding.error instanceof ApiError && finding.error.status === 404;
    return (
      <>
        <PageHeader title="Finding" />
        {gone ? <Empty>There is no finding <code>{id}</code> in your sight. <Link to="/findings">Back to the findings</Link>.</Empty> : <ErrorMessage error={finding.error} />}
      </>
    );
  }
  return <FindingView f={f} />;
}

function FindingView({ f }: { f: FindingDetail }) {
  const { can } = useSession();
  const isNet = f.type === NETWORK_FINDING_TYPE;
  // secrets and code flaws: no package, and their vulnerabilityId is a CWE, not a vulnerability record
  const isFile = isFileFinding(f.type);
  const history = useQuery({
    queryKey: ['finding-history', f.id, f.updatedAt],
    queryFn: ({ signal }) => api<{ items: ApiEvent[] }>(`/v1/findings/${encodeURIComponent(f.id)}/history`, { signal }),
  });
  // KEV and EPSS live on the vulnerability record; a finding without one (or a server without the
  // endpoint) shows what the finding itself says
  const vuln = useQuery({
    queryKey: ['vulnerability', f.vulnerabilityId],
    queryFn: ({ signal }) => api<VulnerabilityRecord>(`/v1/vulnerabilities/${encodeURIComponent(f.vulnerabilityId)}`, { signal }),
    retry: false,
    // NET-TCP-22 and the like name no vulnerability record, nor does CWE-798
    enabled: !isNet && !isFile,
  });
  const inventory = useQuery({
    queryKey: ['finding-inventory', f.resource.id, f.package?.name, f.package?.version, f.package?.layer],
    queryFn: ({ signal }) => findPackage(f, signal),
    retry: false,
    enabled: !isNet && !isFile && Boolean(f.package),
  });
  const rule = useQuery({
    queryKey: ['suppression-rule', f.suppressedBy],
    queryFn: ({ signal }) => api<RuleInfo>(`/v1/suppression-rules/${encodeURIComponent(f.suppressedBy!)}`, { signal }),
    enabled: Boolean(f.suppressedBy),
    retry: false,
  });

  const d = f.details;
  if (isNet) return <NetworkFindingView f={f} history={history} rule={rule} />;
  if (isFile) return <FileFindingView f={f} history={history} rule={rule} />;
  // the server's title is the summary, or "<id> - <package>" when there is none (which the heading already says)
  const title = f.title && !f.title.startsWith(f.vulnerabilityId) ? f.title : d.summary ?? null;
  const fix = fixAvailabilityOf(f);
  const layer = inventory.data?.layer ?? null;
  const paths = inventory.data?.paths ?? f.package.locations ?? [f.package.location];

  return (
    <>
      <PageHeader
        title={f.vulnerabilityId}
        subtitle={<>{title ? <span className="finding-subtitle">{title}</span> : null}<span className="muted"> in <span className="mono">{f.package.name} {f.package.version}</span> on <Link to={`/resources/${encodeURIComponent(f.resource.id)}`}>{f.resource.name}</Link></span></>}
        actions={(
          <>
            <Link className="button" to={withQuery('/findings', { vulnerabilityId: f.vulnerabilityId })}>All findings of {f.vulnerabilityId}</Link>
            <Link className="button" to={`/vulnerabilities/${encodeURIComponent(f.vulnerabilityId)}`}>Vulnerability record</Link>
            {can('operate') && f.status === 'ACTIVE' ? <SuppressButton f={f} /> : null}
          </>
        )}
      />
      <p className="breadcrumbs"><Link to="/findings">Findings</Link> <span aria-hidden="true">›</span> <span className="mono">{f.id}</span></p>

      <div className="grid finding-top">
        <Card title="Summary" className="compact-fields">
          <Fields items={[
            ...stateFields(f),
            ['Fix available', fix === 'YES' ? 'Yes' : fix === 'PARTIAL' ? 'Partly' : 'No'],
            ['Exploit available', f.exploitAvailable ? <strong key="e" className="status-bad">Yes (known exploited)</strong> : 'No known exploitation'],
            ['Finding type', f.type],
            ['Advisory', <span key="a" className="mono">{f.advisoryId}</span>],
            ['Aliases', d.aliases.length ? d.aliases.join(', ') : '—'],
            ...timeFields(f),
          ]} />
          <SuppressedNote f={f} rule={rule.data} />
        </Card>

        <Card title="Remediation" className="compact-fields">
          {fix === 'NO' ? (
            <p>No fixed version of <span className="mono">{f.package.name}</span> is known yet. Watch the advisory, or suppress the finding with a reason if it does not apply.</p>
          ) : (
            <p className="remediation">
              Upgrade <span className="mono">{f.package.name}</span> from <span className="mono">{f.package.version}</span> to{' '}
              <strong className="mono">{f.fixedVersion ?? d.explanation.fixedBy ?? 'a fixed version'}</strong> or later.
              {fix === 'PARTIAL' ? ' Some of the advisories folded into this finding have no fix yet.' : ''}
            </p>
          )}
          {d.explanation.fixed && d.explanation.fixed.length > 1 ? (
            <p className="muted small">Fixed in: {d.explanation.fixed.join(', ')}</p>
          ) : null}
          <Fields items={[
            ['Package', <span key="p" className="mono">{f.package.name} {f.package.version}</span>],
            ['Ecosystem', f.package.ecosystem],
            ['Package URL', f.package.purl ? <span key="u" className="mono">{f.package.purl}</span> : '—'],
            ['Resource', <Link key="r" to={`/resources/${encodeURIComponent(f.resource.id)}`} title={f.resource.ref ?? undefined}>{f.resource.name}</Link>],
            ...(f.resource.digest ? [['Digest', <span key="dg" className="mono" title={f.resource.digest}>{shortDigest(f.resource.digest, 16)}</span>] as [string, ReactNode]] : []),
            ['Resource type', f.resource.type],
            ...(d.versions && d.versions.length > 1 ? [['Installed versions', d.versions.join(', ')] as [string, string]] : []),
          ]} />
        </Card>
      </div>

      <Card title="Description" className="finding-card">
        {d.summary ? <p className="prose">{d.summary}</p> : null}
        {vuln.data?.details && vuln.data.details !== d.summary ? (
          d.summary ? <details><summary>Full advisory text</summary><pre className="block">{vuln.data.details}</pre></details> : <pre className="block prose-block">{vuln.data.details}</pre>
        ) : null}
        {!d.summary && !vuln.data?.details ? <p className="muted">{vuln.isPending ? 'Loading…' : 'The advisory has no description.'}</p> : null}
      </Card>

      <div className="grid cols-2 finding-row">
        <Card title="CVSS">
          {d.cvss ? (
            <Fields items={[
              ['Base score', <strong key="s">{d.cvss.score.toFixed(1)}</strong>],
              ['Version', d.cvss.version],
              ['Vector', <code key="v" className="vector">{d.cvss.vector}</code>],
              ['Source', d.cvss.source],
            ]} />
          ) : <p className="muted">No CVSS vector is known for this vulnerability; the severity comes from the advisory.</p>}
        </Card>
        <Card title="Exploitability">
          <Fields items={[
            ['CISA KEV', vuln.data?.kev ? <span key="k" className="status-bad">Listed{vuln.data.kev.dateAdded ? ` since ${vuln.data.kev.dateAdded}` : ''}{vuln.data.kev.knownRansomwareCampaignUse === 'Known' ? ' · used in ransomware campaigns' : ''}</span>
              : f.exploitAvailable ? <span key="k" className="status-bad">Listed (known exploited)</span> : 'Not listed'],
            ['CISA due date', vuln.data?.kev?.dueDate ? String(vuln.data.kev.dueDate) : '—'],
            ['EPSS score', vuln.data?.epss ? `${(vuln.data.epss.score * 100).toFixed(2)}% probability of exploitation in the next 30 days` : vuln.isPending ? '…' : 'no EPSS score known'],
            ['EPSS percentile', vuln.data?.epss ? `${(vuln.data.epss.percentile * 100).toFixed(1)}th` : vuln.isPending ? '…' : '—'],
          ]} />
        </Card>
      </div>

      {/* issue 16: the Vigil score — base and each adjustment (docs/scoring.md) */}
      <Card title="Vigil score" className="finding-card">
        <VigilScoreCard s={d.scoring} />
      </Card>

      <Card title="Why it matched" className="finding-card">
        <MatchExplanation f={f} />
      </Card>

      <Card title="Where it is" className="finding-card">
        <Fields items={[
          ['File path' + (paths.length > 1 ? 's' : ''), <ul key="p" className="plain mono">{paths.map((p) => <li key={p}>{p}</li>)}</ul>],
          ['Layer digest', f.package.layer ? <span key="l" className="mono" title={f.package.layer}>{f.package.layer}</span> : 'not in an image layer'],
          ['Layer created by', f.package.layer ? (inventory.isPending ? 'Loading…' : layer?.createdBy ? <code key="c" className="created-by">{layer.createdBy}</code> : '— (no history entry for this layer)') : '—'],
          ...(layer?.index !== undefined ? [['Layer index', String(layer.index)] as [string, string]] : []),
        ]} />
        {inventory.error ? <ErrorMessage error={inventory.error} /> : null}
      </Card>

      <Card title="References" className="finding-card">
        {d.references?.length ? (
          <ul className="references">
            {[...new Set(d.references)].map((r) => <li key={r}>{/^https?:\/\//i.test(r) ? <a href={r} target="_blank" rel="noopener noreferrer">{r}</a> : <span className="mono">{r}</span>}</li>)}
          </ul>
        ) : <p className="muted">No references.</p>}
        {d.advisories.length > 1 ? <p className="muted small">Advisories folded into this finding: {d.advisories.join(', ')}</p> : null}
      </Card>

      <HistoryCard history={history} />
    </>
  );
}

/**
 * A network reachability finding: what is open from where and the path that carries it, instead of
 * the package, advisory, CVSS and match sections (it has none of them).
 */
function NetworkFindingView({ f, history, rule }: { f: FindingDetail; history: UseQueryResult<{ items: ApiEvent[] }>; rule: UseQueryResult<RuleInfo> }) {
  const { can } = useSession();
  const n = f.details.networkReachability;
  const title = f.title && !f.title.startsWith(f.vulnerabilityId) ? f.title : n ? openText(n.protocol, n.openPortRange) : null;
  return (
    <>
      <PageHeader
        title={f.vulnerabilityId}
        subtitle={<>{title ? <span className="finding-subtitle">{title}</span> : null}<span className="muted"> on <Link to={`/resources/${encodeURIComponent(f.resource.id)}`}>{f.resource.name}</Link></span></>}
        actions={(
          <>
            <Link className="button" to={withQuery('/findings', { vulnerabilityId: f.vulnerabilityId })}>All findings of {f.vulnerabilityId}</Link>
            {n?.topology ? <Link className="button" to={withQuery('/network', { topology: n.topology })}>Topology {n.topology}</Link> : null}
            {can('operate') && f.status === 'ACTIVE' ? <SuppressButton f={f} /> : null}
          </>
        )}
      />
      <p className="breadcrumbs"><Link to="/findings">Findings</Link> <span aria-hidden="true">›</span> <Link to={withQuery('/findings', { type: NETWORK_FINDING_TYPE })}>Network reachability</Link> <span aria-hidden="true">›</span> <span className="mono">{f.id}</span></p>

      <div className="grid finding-top">
        <Card title="Summary" className="compact-fields">
          <Fields items={[
            ...stateFields(f),
            ['Finding type', 'Network reachability'],
            ['Open', n ? openText(n.protocol, n.openPortRange) : <span key="p" className="mono">{f.package?.name || '—'}</span>],
            ...timeFields(f),
          ]} />
          <SuppressedNote f={f} rule={rule.data} />
        </Card>

        <Card title="Remediation" className="compact-fields">
          <p className="remediation">
            If {n ? openText(n.protocol, n.openPortRange) : 'this range'} need not be reachable from the internet, remove or narrow what lets it in
            {n?.source === 'host' ? ' (the host firewall), or stop the listener.' : n?.loadBalancer ? ' (the load balancer\'s listener, its security groups, the network ACL).' : ' (the security group rule, the network ACL, the host firewall), or stop the listener.'}
            {' '}The finding closes when the next analysis no longer finds the path.
          </p>
          <Fields items={[
            ['Resource', <Link key="r" to={`/resources/${encodeURIComponent(f.resource.id)}`} title={f.resource.ref ?? undefined}>{f.resource.name}</Link>],
            ['Resource type', f.resource.type],
            ...(n?.instanceId && n.instanceId !== f.resource.name ? [['EC2 instance', <span key="i" className="mono">{n.instanceId}</span>] as [string, ReactNode]] : []),
          ]} />
        </Card>
      </div>

      <Card title="Network path" className="finding-card">
        {n ? <NetworkPathSection n={n} /> : <p className="muted">This finding carries no network path (details.networkReachability is missing); the next analysis of its topology or host records it.</p>}
      </Card>

      <Card title="Vigil score" className="finding-card">
        <VigilScoreCard s={f.details.scoring} />
      </Card>

      <HistoryCard history={history} />
    </>
  );
}

/**
 * A secret or a code flaw (issue 17): the file, line and rule instead of a package and advisory; its
 * "Secret" or "Code" section (details.secret / details.code) with the evidence, the Vigil score
 * (formula vigil-code-1) and the history. Its vulnerabilityId is a CWE: linked to MITRE, not to a
 * vulnerability record.
 */
function FileFindingView({ f, history, rule }: { f: FindingDetail; history: UseQueryResult<{ items: ApiEvent[] }>; rule: UseQueryResult<RuleInfo> }) {
  const { can } = useSession();
  const secret = f.type === SECRET_FINDING_TYPE ? f.details.secret : undefined;
  const code = f.type === CODE_FINDING_TYPE ? f.details.code : undefined;
  const loc = secret?.location ?? code?.location;
  const where = loc ? locationText(loc) : f.package?.name || '—';
  const typeLabel = findingTypeLabel(f.type);
  const cwe = cweHref(f.vulnerabilityId);
  // a secret found only in the git history: the summary row's version is the commit
  const inHistory = Boolean(loc?.commit && !loc.commit.inHead);
  // a secret in an image: in one of its layers
  const inImage = Boolean(loc?.layer) || f.resource.type === 'image';
  return (
    <>
      <PageHeader
        title={f.title || f.advisoryId}
        subtitle={(
          <span className="muted">
            <span className="mono">{f.advisoryId}</span> in <span className="mono file-subtitle" title={where}>{where}</span> on{' '}
            <Link to={`/resources/${encodeURIComponent(f.resource.id)}`}>{f.resource.name}</Link>
          </span>
        )}
        actions={(
          <>
            <Link className="button" to={withQuery('/findings', { detector: f.advisoryId })}>All findings of this rule</Link>
            {f.package?.name ? <Link className="button" to={withQuery('/findings', { filePath: f.package.name, resourceId: f.resource.id })}>All findings in this file</Link> : null}
            {can('operate') && f.status === 'ACTIVE' ? <SuppressButton f={f} /> : null}
          </>
        )}
      />
      <p className="breadcrumbs"><Link to="/findings">Findings</Link> <span aria-hidden="true">›</span> <Link to={withQuery('/findings', { type: f.type })}>{typeLabel === 'Secret' ? 'Secrets' : `${typeLabel}s`}</Link> <span aria-hidden="true">›</span> <span className="mono">{f.id}</span></p>

      <div className="grid finding-top">
        <Card title="Summary" className="compact-fields">
          <Fields items={[
            ...stateFields(f),
            ['Finding type', typeLabel],
            ['Rule', <span key="r" className="mono">{f.advisoryId}</span>],
            ['Weakness', cwe ? <a key="w" href={cwe} target="_blank" rel="noopener noreferrer">{f.vulnerabilityId}</a> : <span key="w" className="mono">{f.vulnerabilityId}</span>],
            ...timeFields(f),
          ]} />
          <SuppressedNote f={f} rule={rule.data} />
        </Card>

        <Card title="Remediation" className="compact-fields">
          {f.type === SECRET_FINDING_TYPE ? (
            <p className="remediation" data-testid="remediation">
              Treat the {secret && secret.provider !== 'generic' ? <strong>{secret.provider}</strong> : null} credential as compromised: rotate or revoke it at the provider first.
              {inImage
                ? ' Then rebuild the image without it (a later layer that deletes the file does not help: every layer of the image can be read), remove it from the source it was copied from, and give it to the container at run time from a secret store or the environment instead.'
                : inHistory
                ? ' It is already gone from the current tree but still in the git history: remove it from the history too (git filter-repo, then force-push and have every clone re-cloned), and from any image built with it. Deleting the file did not help: whoever can read the history has it.'
                : ' Then remove it from the code and from the git history (and any image built with it), and load it from a secret store or the environment instead. Removing it from the code alone does not help: whoever read the code or the history has it.'}
            </p>
          ) : (
            <p className="remediation" data-testid="remediation">{code?.remediation ?? 'Fix the flagged code; the finding closes when the next scan no longer finds it.'}</p>
          )}
          <Fields items={[
            ['File', <span key="f" className="mono">{f.package?.name || '—'}</span>],
            ['Resource', <Link key="r" to={`/resources/${encodeURIComponent(f.resource.id)}`} title={f.resource.ref ?? undefined}>{f.resource.name}</Link>],
            ...(f.resource.digest ? [['Digest', <span key="dg" className="mono" title={f.resource.digest}>{shortDigest(f.resource.digest, 16)}</span>] as [string, ReactNode]] : []),
            ['Resource type', f.resource.type],
          ]} />
        </Card>
      </div>

      {f.type === SECRET_FINDING_TYPE ? (
        <Card title="Secret" className="finding-card">
          {secret ? <SecretSection s={secret} /> : <p className="muted">This finding carries no secret details (details.secret is missing); the next scan of its resource records them.</p>}
        </Card>
      ) : (
        <Card title="Code" className="finding-card">
          {code ? <CodeSection c={code} /> : <p className="muted">This finding carries no code details (details.code is missing); the next scan of its resource records them.</p>}
        </Card>
      )}

      <Card title="Vigil score" className="finding-card">
        <VigilScoreCard s={f.details.scoring} />
      </Card>

      <HistoryCard history={history} />
    </>
  );
}

function HistoryCard({ history }: { history: UseQueryResult<{ items: ApiEvent[] }> }) {
  return (
    <Card title="History" className="finding-card">
      {history.isPending ? <Loading label="Loading the history…" /> : history.error ? <ErrorMessage error={history.error} /> : (
        history.data.items.length ? <Timeline events={history.data.items} /> : <Empty>No events about this finding are kept.</Empty>
      )}
    </Card>
  );
}

/** The summary's first fields, the same for every finding type: status, severity, score. */
function stateFields(f: FindingDetail): [string, ReactNode][] {
  return [
    ['Status', <span data-testid="finding-status" key="s"><StatusCell status={f.status} /></span>],
    ['Severity', <SeverityBadge key="sev" severity={f.severity} />],
    ['Score', f.score === null ? '—' : f.score.toFixed(1)],
  ];
}

/** The summary's last fields: when the finding was first and last seen, updated and closed. */
function timeFields(f: FindingDetail): [string, ReactNode][] {
  return [
    ['First observed', formatTime(f.firstObservedAt)],
    ['Last observed', formatTime(f.lastObservedAt)],
    ['Updated', formatTime(f.updatedAt)],
    ...(f.closedAt ? [['Closed', formatTime(f.closedAt)] as [string, string]] : []),
  ];
}

/** Which rule suppresses the finding, and why (nothing for a finding that is not suppressed). */
function SuppressedNote({ f, rule }: { f: FindingDetail; rule: RuleInfo | undefined }) {
  if (f.status !== 'SUPPRESSED') return null;
  return (
    <div className="notice suppressed-note">
      Suppressed by rule{' '}
      {rule ? <><strong>{rule.name}</strong>: {rule.reason}{rule.expiresAt ? ` (until ${formatTime(rule.expiresAt)})` : ''}</> : <code>{f.suppressedBy}</code>}
      {' '}· <Link to="/suppression-rules">Suppression rules</Link>
    </div>
  );
}

/** what matching searched, which range or version hit, with which scheme, and the fixes it knew */
function MatchExplanation({ f }: { f: FindingDetail }) {
  const e = f.details.explanation;
  const hit = e.hit as ({ by?: string; version?: string; range?: number; type?: string; events?: Record<string, string>[] } | undefined);
  return (
    <>
      <p>
        Vigil looked up <span className="mono">{e.searched ? `${e.searched.ecosystem} / ${e.searched.name} ${e.searched.version}` : `${f.package.ecosystem} / ${f.package.name} ${f.package.version}`}</span>
        {' '}in <span className="mono">{e.record ?? f.advisoryId}</span>
        {hit?.by === 'versions' ? <> and found the version <strong className="mono">{hit.version}</strong> in its list of affected versions</> : null}
        {hit?.by === 'range' ? <> and the version falls in its affected range <strong className="mono">{formatRange(hit.events ?? [])}</strong></> : null}
        {e.scheme ? <>, comparing versions as <strong>{e.scheme}</strong></> : null}.
      </p>
      <Fields items={[
        ['Advisory record', e.record ? <span key="r" className="mono">{e.record}</span> : '—'],
        ['Version scheme', e.scheme ?? '—'],
        ['Matched by', hit?.by === 'range' ? `range #${hit.range ?? 0} (${hit.type ?? 'ECOSYSTEM'})` : hit?.by === 'versions' ? 'affected versions list' : '—'],
        ['Range events', hit?.events?.length ? <span key="ev" className="mono">{hit.events.map((ev) => Object.entries(ev).map(([k, v]) => `${k}: ${v}`).join(', ')).join(' · ')}</span> : '—'],
        ['Fixed versions', e.fixed?.length ? <span key="fx" className="mono">{e.fixed.join(', ')}</span> : 'none known'],
        ['Fixed by', e.fixedBy ? <span key="fb" className="mono">{e.fixedBy}</span> : '—'],
        ...(e.status ? [['Advisory status', e.status] as [string, string]] : []),
      ]} />
      {e.skipped?.length ? (
        <p className="muted small">Ranges not used: {e.skipped.map((s) => `#${s.index} ${s.type} (${s.reason})`).join('; ')}</p>
      ) : null}
    </>
  );
}

/** OSV range events as a readable interval: [{introduced: 1.0}, {fixed: 1.4}] → "≥ 1.0, < 1.4" */
function formatRange(events: Record<string, string>[]): string {
  const parts = events.flatMap((ev) => Object.entries(ev).map(([k, v]) => {
    if (k === 'introduced') return v === '0' ? 'every version' : `≥ ${v}`;
    if (k === 'fixed') return `< ${v}`;
    if (k === 'last_affected') return `≤ ${v}`;
    if (k === 'limit') return `< ${v} (limit)`;
    return `${k} ${v}`;
  }));
  return parts.join(', ') || 'every version';
}

function describeEvent(e: ApiEvent): string {
  const p = e.payload as { change?: string; status?: string; changes?: Record<string, { from: unknown; to: unknown }> };
  if (e.type === 'finding.created') return `Found${p.status ? ` (${p.status})` : ''}`;
  if (e.type === 'finding.closed') return 'Closed: no longer found by a scan';
  if (p.change === 'reopened') return `Reopened${p.status ? ` (${p.status})` : ''}`;
  if (p.changes) {
    return Object.entries(p.changes).map(([k, c]) => `${k}: ${c.from === null || c.from === undefined ? '—' : String(c.from)} → ${c.to === null || c.to === undefined ? '—' : String(c.to)}`).join('; ');
  }
  return e.type;
}

function Timeline({ events }: { events: ApiEvent[] }) {
  return (
    <ol className="timeline">
      {events.map((e) => (
        <li key={e.id} className={`tl-${e.type.replace('.', '-')}`}>
          <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time>
          <span className="tl-type">{e.type}</span>
          <span>{describeEvent(e)}</span>
        </li>
      ))}
    </ol>
  );
}

/**
 * The package's inventory rows in the resource (same name and version): its layer (with the image
 * history's `created_by`) and every path it was found at. Reads up to INVENTORY_PAGES pages.
 */
async function findPackage(f: FindingDetail, signal: AbortSignal): Promise<{ layer: InventoryPackage['layer']; paths: string[] }> {
  const paths = new Set<string>(f.package.locations ?? [f.package.location]);
  let layer: InventoryPackage['layer'] = null;
  let cursor: string | undefined;
  for (let i = 0; i < INVENTORY_PAGES; i++) {
    const page = await api<Page<InventoryPackage>>(`/v1/resources/${encodeURIComponent(f.resource.id)}/packages`, { query: { limit: 1000, cursor }, signal });
    for (const p of page.items) {
      if (p.name !== f.package.name || p.version !== f.package.version || p.ecosystem !== f.package.ecosystem) continue;
      for (const l of p.locations ?? [p.location]) paths.add(l);
      if (p.layer && (!f.package.layer || p.layer.digest === f.package.layer) && (!layer || (!layer.createdBy && p.layer.createdBy))) layer = p.layer;
    }
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return { layer, paths: [...paths].sort() };
}

/**
 * "Suppress": a rule for this vulnerability on this resource, with the reason the user types. For a
 * secret or a code flaw the vulnerability is a CWE shared by every such finding of the resource, so
 * the rule also names the finding's location (criteria.paths match package.location): this one
 * secret or flaw, not every CWE-798 of the resource.
 */
function SuppressButton({ f }: { f: FindingDetail }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const queryClient = useQueryClient();
  const ids = useId();
  const file = isFileFinding(f.type) && Boolean(f.package?.location);
  const what = file ? `${f.advisoryId} in ${f.package.name}` : f.vulnerabilityId;
  const [reason, setReason] = useState('');
  const [name, setName] = useState(`${what} on ${f.resource.name}`.slice(0, 200));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/v1/suppression-rules', {
        method: 'POST',
        body: {
          accountId: f.accountId, name: name.trim(), reason: reason.trim(),
          criteria: { vulnerabilityIds: [f.vulnerabilityId], resourceIds: [f.resource.id], ...(file ? { paths: [f.package.location] } : {}) },
        },
      });
      dialog.current?.close();
      setReason('');
      // the rule applies at once: read the finding (and every list that shows it) again
      await queryClient.invalidateQueries({ queryKey: ['finding', f.id] });
      void queryClient.invalidateQueries({ queryKey: ['findings'] });
      void queryClient.invalidateQueries({ queryKey: ['findings-groups'] });
      void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" className="primary" onClick={() => { setError(null); dialog.current?.showModal(); }}>Suppress</button>
      <dialog ref={dialog} aria-labelledby={`${ids}-title`}>
        <form className="stacked" onSubmit={submit}>
          <h2 id={`${ids}-title`}>Suppress {what} on {f.resource.name}</h2>
          <p className="muted">
            This creates a suppression rule for <span className="mono">{f.vulnerabilityId}</span>{file ? <> at this finding&apos;s location in <span className="mono">{f.package.name}</span></> : null} on this resource (<span className="mono">{f.resource.id}</span>).
            {' '}{file ? 'The finding becomes' : 'Its findings become'} SUPPRESSED at once; delete the rule to bring {file ? 'it' : 'them'} back.
          </p>
          <label htmlFor={`${ids}-name`}>Rule name</label>
          <input id={`${ids}-name`} value={name} maxLength={200} required onChange={(e) => setName(e.target.value)} />
          <label htmlFor={`${ids}-reason`}>Reason <span className="hint">why this finding needs no action (required)</span></label>
          <textarea id={`${ids}-reason`} rows={4} maxLength={2000} required value={reason} onChange={(e) => setReason(e.target.value)} />
          <ErrorMessage error={error} />
          <div className="dialog-actions">
            <button type="button" onClick={() => dialog.current?.close()}>Cancel</button>
            <button type="submit" className="primary" disabled={busy || !reason.trim() || !name.trim()}>{busy ? 'Suppressing…' : 'Suppress'}</button>
          </div>
        </form>
      </dialog>
    </>
  );
}

// ─── issue 16: the Vigil score card ─────────────────────────────────────────────────────────────

const METRIC_LABELS: Record<string, string> = {
  kev: 'Known exploited (KEV)', exploit: 'Public exploit', epss: 'EPSS', reachability: 'Network reachability', inUse: 'Image in use', fix: 'Fix availability',
  // network reachability findings (basis 'network')
  exposure: 'Exposure', listener: 'Listener', sources: 'Sources',
};
/** issue 17: secret and code findings (formula vigil-code-1); 'reachability' there is the code's, not the network's */
const CODE_METRIC_LABELS: Record<string, string> = {
  detector: 'Detector rating', confidence: 'Confidence', history: 'Git history', testCode: 'Test code', reachability: 'Reachability', source: 'Tainted input',
};
const isCodeFormula = (s: VigilScoring) => s.formula.startsWith('vigil-code');
const metricLabel = (s: VigilScoring, metric: string) => (isCodeFormula(s) ? CODE_METRIC_LABELS[metric] : undefined) ?? METRIC_LABELS[metric] ?? metric;

/** the base row when no CVSS vector scores the finding */
function basisText(s: VigilScoring): string {
  if (s.basis === 'network') return networkBasis(s.inputs.network as NetworkScoringInputs | undefined);
  if (s.basis === 'malicious') return 'malicious package: always CRITICAL';
  if (s.basis === 'advisory') return 'no CVSS vector: the advisory\'s own severity';
  if (s.basis === 'code' || isCodeFormula(s)) {
    const c = s.inputs.code as { kind?: string } | undefined;
    return `${c?.kind === 'secret' ? 'hardcoded secret' : 'code flaw'}, no CVSS: the score starts from the detector's rating of the finding`;
  }
  return 'nothing scores this vulnerability';
}

/** src/model/scoring.ts NetworkScoringInputs: what a network finding's score starts from */
interface NetworkScoringInputs { portClass?: string; ports?: number[]; allSources?: boolean; listening?: boolean; processes?: string[] }
const PORT_CLASSES: Record<string, string> = {
  wide: 'a wide range of ports', admin: 'remote administration, database or cache ports', web: 'web ports only', icmp: 'ICMP', other: 'other ports',
};

/** the base row of a network finding: no CVSS; the exposure (first adjustment) sets the score */
function networkBasis(n: NetworkScoringInputs | undefined): string {
  const cls = n?.portClass ? ` (${PORT_CLASSES[n.portClass] ?? n.portClass}${n.ports?.length ? `: ${n.ports.join(', ')}` : ''})` : '';
  return `network reachability, no CVSS: the score starts from the exposure${cls}`;
}

/** The base and every adjustment, in the order they were applied; a table a screen reader reads row by row. */
function VigilScoreCard({ s }: { s: VigilScoring | undefined }) {
  if (!s) return <p className="muted">This finding was recorded before the Vigil score existed; its next rematch or scan adds the breakdown.</p>;
  const num = (x: number | null, sev?: string) => (x === null ? (sev ?? '—') : x.toFixed(1));
  return (
    <>
      <p>
        <strong>{s.score === null ? 'No score' : s.score.toFixed(1)}</strong> <SeverityBadge severity={s.severity} />{' '}
        <span className="muted">formula {s.formula}</span>
      </p>
      <div className="table-scroll"><table className="data compact">
        <caption className="visually-hidden">How the Vigil score was computed</caption>
        <thead><tr><th scope="col">Step</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Reason</th></tr></thead>
        <tbody>
          <tr>
            <th scope="row">Base</th>
            <td>—</td>
            <td>{s.base ? s.base.score.toFixed(1) : '—'}</td>
            <td>{s.base ? <>CVSS {s.base.version} <code className="vector">{s.base.vector}</code> ({s.base.source})</> : basisText(s)}</td>
          </tr>
          {s.adjustments.map((a, i) => (
            <tr key={i}>
              <th scope="row">{metricLabel(s, a.metric)}</th>
              <td>{num(a.from, a.fromSeverity)}</td>
              <td>{num(a.to, a.toSeverity)}</td>
              <td>{a.reason}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
    </>
  );
}
