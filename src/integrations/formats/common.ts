import { VigilError } from '../../model/index.ts';
import { FINDING_EVENT_TYPES, type EventView, type FindingEventType, type FindingSeverity, type FindingView, type FormatContext } from './types.ts';

/** Cuts `s` to at most `max` characters (code points are not split), with "…" when it was longer. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  // never leave half of a surrogate pair
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Epoch milliseconds of an ISO time the API gave. */
export function epochMs(iso: string, field: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new VigilError('VIGIL_INVALID_INPUT', `finding ${field} ${JSON.stringify(iso)}: not an ISO 8601 time`, { input: field, rule: 'iso-time' });
  return t;
}

/** An ISO time normalized to UTC with milliseconds (`2025-03-01T00:00:00.000Z`). */
export function isoUtc(iso: string, field: string): string {
  return new Date(epochMs(iso, field)).toISOString();
}

/** The console page of a finding, when the context has the console's URL. */
export function findingLink(f: FindingView, ctx: FormatContext): string | undefined {
  if (!ctx.consoleUrl) return undefined;
  let base: URL;
  try {
    base = new URL(ctx.consoleUrl);
  } catch {
    throw new VigilError('VIGIL_CONFIG', `consoleUrl ${JSON.stringify(ctx.consoleUrl)}: not an absolute URL`, { input: 'consoleUrl', rule: 'url' });
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    throw new VigilError('VIGIL_CONFIG', `consoleUrl ${JSON.stringify(ctx.consoleUrl)}: must be http or https`, { input: 'consoleUrl', rule: 'url-scheme' });
  }
  return new URL(`findings/${encodeURIComponent(f.id)}`, base.href.endsWith('/') ? base.href : `${base.href}/`).href;
}

/** "Critical", "High", …, "None", "Unknown" */
export function severityWord(s: FindingSeverity): string {
  return s.charAt(0) + s.slice(1).toLowerCase();
}

/** The kind of finding as the formatters treat it. */
export function kindOf(f: FindingView): 'package' | 'secret' | 'code' | 'network' {
  if (f.type === 'secret') return 'secret';
  if (f.type === 'code_vulnerability') return 'code';
  if (f.type === 'network_reachability') return 'network';
  return 'package';
}

/** What the finding is about, in a few words: "lodash 4.17.20", "src/app.py:12", "tcp/22 on web-1". */
export function subjectOf(f: FindingView): string {
  switch (kindOf(f)) {
    case 'secret': {
      const l = f.details.secret?.location;
      return l ? `${l.path}:${l.line}` : f.package.name;
    }
    case 'code': {
      const l = f.details.code?.location;
      return l ? `${l.path}:${l.line}` : f.package.name;
    }
    case 'network':
      return `${f.package.name} on ${f.resource.name || f.resource.id}`;
    default:
      return `${f.package.name} ${f.package.version}`;
  }
}

/** The words of a finding type for people: "Vulnerability", "Malicious package", … */
export function typeWords(f: FindingView): string {
  return ({ vulnerability: 'Vulnerability', malicious: 'Malicious package', secret: 'Hardcoded secret', code_vulnerability: 'Code vulnerability', network_reachability: 'Network reachability' } as Record<string, string>)[f.type] ?? f.type;
}

/** The remediation a person can act on, or undefined. */
export function remediationOf(f: FindingView): string | undefined {
  switch (kindOf(f)) {
    case 'secret':
      return `Revoke the ${f.details.secret?.provider && f.details.secret.provider !== 'generic' ? `${f.details.secret.provider} ` : ''}credential, issue a new one, and remove it from ${f.details.secret?.location.path ?? 'the file'}${f.details.secret?.location.commit ? ' and from the git history' : ''}.`;
    case 'code':
      return f.details.code?.remediation || undefined;
    case 'network': {
      const n = f.details.networkReachability;
      return n ? `Close ${n.protocol} ${n.openPortRange.begin === n.openPortRange.end ? n.openPortRange.begin : `${n.openPortRange.begin}-${n.openPortRange.end}`} to ${n.sources.join(', ')} at the first step of the path (${n.networkPath.steps[0]?.componentId ?? 'the firewall'}) or stop what listens there.` : undefined;
    }
    default:
      if (f.type === 'malicious') return `Remove ${f.package.name} ${f.package.version} and rotate every credential the environment it ran in could reach.`;
      return f.fixedVersion ? `Upgrade ${f.package.name} from ${f.package.version} to ${f.fixedVersion} or later.` : undefined;
  }
}

/**
 * The description: the advisory summary, the network explanation, a code flaw's taint trace
 * ("request.args['host'] (Flask request) → os.system(...)") or, failing those, the title.
 */
export function descriptionOf(f: FindingView): string {
  const c = f.details.code;
  const trace = c?.trace?.length ? `${f.title}: ${c.trace.map((t) => `${t.label} (${t.location.path}:${t.location.line})`).join(' → ')}` : undefined;
  const d = f.details.summary ?? f.details.networkReachability?.explanation ?? trace;
  return d && d.trim() ? d : f.title;
}

/** Checks that `event` is a finding event about `finding`. */
export function checkFindingEvent(event: EventView, finding: FindingView): FindingEventType {
  if (!(FINDING_EVENT_TYPES as readonly string[]).includes(event.type)) {
    throw new VigilError('VIGIL_INVALID_INPUT', `event ${event.id}: type ${JSON.stringify(event.type)} is not a finding event (${FINDING_EVENT_TYPES.join(', ')})`, { input: `event ${event.id}`, rule: 'finding-event-type' });
  }
  const id = event.payload.findingId;
  if (id !== finding.id) {
    throw new VigilError('VIGIL_INVALID_INPUT', `event ${event.id}: payload.findingId ${JSON.stringify(id)} is not finding ${finding.id}`, { input: `event ${event.id}`, rule: 'event-finding-mismatch' });
  }
  return event.type as FindingEventType;
}

/** The material changes of a finding.updated event, as "severity: HIGH → CRITICAL" lines. */
export function changeLines(event: EventView): string[] {
  if (event.payload.change === 'reopened') return ['reopened'];
  const changes = event.payload.changes;
  if (!changes || typeof changes !== 'object') return [];
  return Object.entries(changes as Record<string, { from?: unknown; to?: unknown }>)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}: ${show(v?.from)} → ${show(v?.to)}`);
}

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'none';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
