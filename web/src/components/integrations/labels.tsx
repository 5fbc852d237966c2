/**
 * Words for issue 19's pages: destination kinds and formats, a destination's filters in words,
 * job and delivery statuses as coloured labels, export destinations in words.
 */
import type { DeliveryStatus, DestinationFilters, DestinationKind, ExportDestinationView, WebhookFormat } from '../../types.ts';

export const KIND_NAMES: Record<DestinationKind, string> = { webhook: 'Webhook', slack: 'Slack', teams: 'Microsoft Teams', jira: 'Jira' };
export const FORMAT_NAMES: Record<WebhookFormat, string> = { cloudevents: 'CloudEvents 1.0 (every event type)', ocsf: 'OCSF 1.x Vulnerability Finding', asff: 'AWS Security Finding Format' };
export const EVENT_TYPE_NAMES: Record<string, string> = {
  'finding.created': 'finding created', 'finding.updated': 'finding updated', 'finding.closed': 'finding closed', 'scan.completed': 'scan completed', 'coverage.changed': 'coverage changed',
};

const list = (xs: readonly string[]) => (xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

/**
 * "finding created or finding closed events; CRITICAL or HIGH; images; tagged env=prod" — one phrase
 * per filter; `every event` without any. Slack, Teams, OCSF and ASFF get finding events only.
 */
export function filtersText(f: DestinationFilters, findingsOnly = false): string[] {
  const out: string[] = [];
  // a severity or finding-type filter lets only finding events through (engine/delivery.ts passes)
  const findingFilter = Boolean(f.severities?.length || f.findingTypes?.length);
  const types = findingFilter ? f.eventTypes?.filter((t) => t.startsWith('finding.')) : f.eventTypes;
  if (types?.length) out.push(`${list(types.map((t) => EVENT_TYPE_NAMES[t] ?? t))} events`);
  else out.push(findingsOnly || findingFilter ? 'every finding event' : 'every event');
  if (f.severities?.length) out.push(`severity ${list(f.severities)}`);
  if (f.findingTypes?.length) out.push(`finding type ${list(f.findingTypes)}`);
  if (f.resourceTypes?.length) out.push(`resource type ${list(f.resourceTypes)}`);
  for (const [k, vs] of Object.entries(f.resourceTags ?? {})) out.push(`tagged ${k}=${vs.join(' | ')}`);
  return out;
}

/** what a destination receives, in a few words (kind and format) */
export function findingsOnly(d: { kind: DestinationKind; format: WebhookFormat }): boolean {
  return d.kind !== 'webhook' || d.format !== 'cloudevents';
}

const STATUS_CLASS: Record<string, string> = {
  DELIVERED: 'status-ok', SUCCEEDED: 'status-ok', SENT: 'status-ok',
  DEAD: 'status-bad', FAILED: 'status-bad',
  PENDING: 'status-wait', QUEUED: 'status-wait', IN_PROGRESS: 'status-wait',
};
export function JobStatus({ status }: { status: DeliveryStatus | string }) {
  return <span className={`job-status ${STATUS_CLASS[status] ?? ''}`}>{status === 'DEAD' ? 'DEAD (dead letter)' : status}</span>;
}

export function exportDestinationText(d: ExportDestinationView | undefined): string {
  if (!d) return 'kept for download';
  if (d.kind === 'directory') return `directory ${d.path}`;
  return `s3://${d.bucket}/${d.prefix ?? ''}${d.endpoint ? ` at ${d.endpoint}` : ''}`;
}
