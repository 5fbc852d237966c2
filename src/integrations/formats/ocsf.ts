/**
 * OCSF 1.8.0 Vulnerability Finding (class_uid 2002) of a finding, and of a finding event.
 * Schema: https://schema.ocsf.io/1.8.0/classes/vulnerability_finding — validated in the tests against
 * the JSON Schema derived from the OCSF repository (../schemas/README.md).
 */
import { checkFindingEvent, descriptionOf, epochMs, findingLink, kindOf, remediationOf, severityWord } from './common.ts';
import type { EventView, FindingView, FormatContext } from './types.ts';

export const OCSF_VERSION = '1.8.0';
export const OCSF_CLASS_UID = 2002;
export const OCSF_CATEGORY_UID = 2;

/** OCSF severity_id (0 Unknown, 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical) */
export const OCSF_SEVERITY_ID = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, NONE: 1, UNKNOWN: 0 } as const;
const SEVERITY_CAPTION = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'];
/** Finding status_id: ACTIVE → 1 New, SUPPRESSED → 3 Suppressed, CLOSED → 4 Resolved */
export const OCSF_STATUS_ID = { ACTIVE: 1, SUPPRESSED: 3, CLOSED: 4 } as const;
const STATUS_CAPTION: Record<number, string> = { 1: 'New', 3: 'Suppressed', 4: 'Resolved' };
/** activity_id of the Findings category */
export const OCSF_ACTIVITY = { create: 1, update: 2, close: 3 } as const;
export type OcsfActivity = keyof typeof OCSF_ACTIVITY;
const ACTIVITY_CAPTION = { create: 'Create', update: 'Update', close: 'Close' };
const FIX_COVERAGE_ID = { YES: 1, PARTIAL: 2, NO: 3 } as const;
const FIX_COVERAGE = { YES: 'Complete', PARTIAL: 'Partial', NO: 'None' } as const;
const CWE_798 = 'CWE-798';

export interface OcsfOptions {
  /** the activity; default: Close for a CLOSED finding, Create for one never updated, else Update */
  activity?: OcsfActivity;
  /** the event time (epoch ms); default: the finding's updatedAt */
  time?: number;
  /** metadata.uid (the event's id when an event is formatted); default: the finding's id */
  uid?: string;
}

type Json = Record<string, unknown>;
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)));

function cvssOf(f: FindingView): Json[] {
  const c = f.details.cvss;
  return c ? [defined({ version: c.version, base_score: c.score, vector_string: c.vector, vendor_name: c.source })] : [];
}

function codeLocation(l: NonNullable<FindingView['details']['secret']>['location'], rule: { uid: string; name: string; desc?: string }, remediation: string | undefined): Json {
  const name = l.path.split('/').filter(Boolean).pop() ?? l.path;
  return defined({
    file: { name, path: l.path, type_id: 1, type: 'Regular File' },
    start_line: l.line, start_column: l.column, end_line: l.endLine, end_column: l.endColumn,
    rule: defined(rule),
    remediation: remediation ? { desc: remediation } : undefined,
  });
}

function vulnerabilityOf(f: FindingView, link: string | undefined): Json {
  const first = epochMs(f.firstObservedAt, 'firstObservedAt');
  const last = epochMs(f.lastObservedAt, 'lastObservedAt');
  const remediation = remediationOf(f);
  const common = {
    title: f.title, desc: descriptionOf(f), severity: severityWord(f.severity),
    first_seen_time: first, last_seen_time: last,
    references: f.details.references,
    vendor_name: 'Vigil',
    remediation: remediation ? { desc: remediation } : undefined,
  };
  switch (kindOf(f)) {
    case 'secret': {
      const s = f.details.secret;
      return defined({
        ...common,
        cwe: { uid: CWE_798, caption: 'Use of Hard-coded Credentials' },
        category: 'Hardcoded secret',
        is_fix_available: false,
        affected_code: s ? [codeLocation(s.location, { uid: f.advisoryId, name: s.rule, desc: `${s.provider} credential (${s.confidence})` }, remediation)] : undefined,
      });
    }
    case 'code': {
      const c = f.details.code;
      const cwes = c?.cwe.length ? c.cwe : [f.vulnerabilityId];
      return defined({
        ...common,
        cwe: { uid: cwes[0] },
        related_vulnerabilities: cwes.slice(1),
        category: 'Code vulnerability',
        is_fix_available: !!c?.fix,
        affected_code: c ? [codeLocation(c.location, { uid: f.advisoryId, name: c.rule, desc: c.language }, c.fix?.description ?? c.remediation)] : undefined,
      });
    }
    case 'network':
      // not a CVE, a CWE or a vendor advisory: Vigil's own id (NET-TCP-22) is the advisory
      return defined({
        ...common,
        advisory: defined({ uid: f.vulnerabilityId, title: f.title, src_url: link }),
        category: 'Network reachability',
        is_fix_available: false,
      });
    default: {
      const isCve = /^CVE-\d{4}-\d+$/.test(f.vulnerabilityId);
      const related = [...new Set([...f.details.aliases, ...f.details.advisories])].filter((a) => a !== f.vulnerabilityId).sort();
      const pkg = defined({
        name: f.package.name, version: f.package.version, purl: f.package.purl ?? undefined,
        package_manager: f.package.ecosystem || undefined, path: f.package.location || undefined,
        fixed_in_version: f.fixedVersion ?? undefined,
        remediation: remediation ? { desc: remediation } : undefined,
      });
      const id = isCve
        ? { cve: defined({ uid: f.vulnerabilityId, title: f.title, desc: f.details.summary, cvss: cvssOf(f), references: f.details.references, epss: f.epss === null ? undefined : { score: String(f.epss) } }) }
        : { advisory: defined({ uid: f.vulnerabilityId, title: f.title, desc: f.details.summary, references: f.details.references }) };
      return defined({
        ...common, ...id,
        category: f.type === 'malicious' ? 'Malicious package' : 'Package vulnerability',
        affected_packages: [pkg],
        related_vulnerabilities: related,
        is_fix_available: f.fixAvailable,
        fix_coverage: FIX_COVERAGE[f.fixAvailability],
        fix_coverage_id: FIX_COVERAGE_ID[f.fixAvailability],
        is_exploit_available: f.exploitAvailable,
      });
    }
  }
}

function resourceOf(f: FindingView): Json {
  const r = f.resource;
  const n = f.details.networkReachability;
  return defined({
    uid: r.id,
    name: r.name || undefined,
    type: r.type || undefined,
    uid_alt: r.digest ?? undefined,
    labels: r.ref ? [r.ref] : undefined,
    data: n ? { networkReachability: n } : r.digest || r.ref ? defined({ ref: r.ref, digest: r.digest }) : undefined,
  });
}

/**
 * The finding as an OCSF 1.8.0 Vulnerability Finding. Pure: the same finding, context and options
 * give the same object. Package, malicious, secret, code and network findings all map (the README
 * has the table).
 * @throws VigilError VIGIL_INVALID_INPUT when a time of the finding is not ISO 8601
 */
export function toOcsf(f: FindingView, ctx: FormatContext, opts: OcsfOptions = {}): Json {
  const activity: OcsfActivity = opts.activity ?? (f.status === 'CLOSED' ? 'close' : f.updatedAt === f.firstObservedAt ? 'create' : 'update');
  const activityId = OCSF_ACTIVITY[activity];
  const severityId = OCSF_SEVERITY_ID[f.severity];
  const statusId = OCSF_STATUS_ID[f.status];
  const updated = epochMs(f.updatedAt, 'updatedAt');
  const first = epochMs(f.firstObservedAt, 'firstObservedAt');
  const last = epochMs(f.lastObservedAt, 'lastObservedAt');
  const link = findingLink(f, ctx);
  const kind = kindOf(f);
  return defined({
    activity_id: activityId,
    activity_name: ACTIVITY_CAPTION[activity],
    category_uid: OCSF_CATEGORY_UID,
    category_name: 'Findings',
    class_uid: OCSF_CLASS_UID,
    class_name: 'Vulnerability Finding',
    type_uid: OCSF_CLASS_UID * 100 + activityId,
    type_name: `Vulnerability Finding: ${ACTIVITY_CAPTION[activity]}`,
    severity_id: severityId,
    severity: SEVERITY_CAPTION[severityId],
    status_id: statusId,
    status: STATUS_CAPTION[statusId],
    status_detail: f.suppressedBy ? `suppressed by rule ${f.suppressedBy}` : undefined,
    time: opts.time ?? updated,
    start_time: first,
    end_time: last,
    message: f.title,
    metadata: defined({
      version: OCSF_VERSION,
      uid: opts.uid ?? f.id,
      product: { name: 'Vigil', vendor_name: 'Vigil', version: ctx.vigilVersion },
      tenant_uid: f.accountId,
      modified_time: updated,
    }),
    finding_info: defined({
      uid: f.id,
      title: f.title,
      desc: descriptionOf(f),
      types: [kind === 'package' ? (f.type === 'malicious' ? 'Malicious Package' : 'Package Vulnerability') : kind === 'secret' ? 'Hardcoded Secret' : kind === 'code' ? 'Code Vulnerability' : 'Network Reachability'],
      created_time: first,
      first_seen_time: first,
      last_seen_time: last,
      modified_time: updated,
      src_url: link,
    }),
    resources: [resourceOf(f)],
    vulnerabilities: [vulnerabilityOf(f, link)],
    unmapped: defined({
      vigil_type: f.type,
      vigil_score: f.score,
      vigil_epss: f.epss,
      vigil_advisory_id: f.advisoryId,
      vigil_fix_availability: f.fixAvailability,
      vigil_secret: f.details.secret ? { provider: f.details.secret.provider, confidence: f.details.secret.confidence, prefix: f.details.secret.prefix, sha256: f.details.secret.hash, length: f.details.secret.length } : undefined,
      vigil_network_path: f.details.networkReachability?.networkPath.steps,
    }),
  });
}

/**
 * A finding event (finding.created / finding.updated / finding.closed from `/v1/events`) as an OCSF
 * Vulnerability Finding with activity Create / Update / Close, at the event's time, metadata.uid
 * `vigil-event-<id>`; `finding` is the finding as the API answers now.
 * @throws VigilError VIGIL_INVALID_INPUT when the event is not a finding event or not about `finding`
 */
export function toOcsfEvent(event: EventView, f: FindingView, ctx: FormatContext): Json {
  const type = checkFindingEvent(event, f);
  const activity: OcsfActivity = type === 'finding.created' ? 'create' : type === 'finding.closed' ? 'close' : 'update';
  return toOcsf(f, ctx, { activity, time: epochMs(event.createdAt, 'event createdAt'), uid: `vigil-event-${event.id}` });
}
