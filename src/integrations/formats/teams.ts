/**
 * A Microsoft Teams message carrying an Adaptive Card 1.4 for a finding event, as Teams webhooks
 * (Workflows "post a card", and the older incoming webhooks) take it: `{type: "message",
 * attachments: [{contentType: "application/vnd.microsoft.card.adaptive", content: <card>}]}`.
 * The card is validated in the tests against the official schema (../schemas/adaptive-card-1.4.0.json).
 */
import { changeLines, checkFindingEvent, descriptionOf, findingLink, remediationOf, severityWord, subjectOf, truncate, typeWords } from './common.ts';
import type { EventView, FindingView, FormatContext } from './types.ts';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
export const ADAPTIVE_CARD_VERSION = '1.4';

const VERB = { 'finding.created': 'New', 'finding.updated': 'Updated', 'finding.closed': 'Closed' } as const;
/** Adaptive Card text colours by severity */
const COLOR: Record<string, string> = { CRITICAL: 'Attention', HIGH: 'Attention', MEDIUM: 'Warning', LOW: 'Accent', NONE: 'Default', UNKNOWN: 'Default' };
/**
 * TextBlock and Fact text is rendered as Adaptive Cards' Markdown subset (**bold**, _italic_, lists,
 * [links](url)): the characters that start those are backslash-escaped (CommonMark), so text from
 * advisories and file paths shows literally.
 */
function plain(s: string): string {
  return s.replace(/([\\*_[\]])/g, '\\$1').replace(/^(\s*)([-+]|\d+\.)(\s)/gm, '$1\\$2$3');
}

type Json = Record<string, unknown>;

/**
 * The Teams message of a finding event. `finding` is the finding as the API answers now.
 * @throws VigilError VIGIL_INVALID_INPUT when the event is not a finding event about `finding`
 */
export function toTeamsMessage(event: EventView, f: FindingView, ctx: FormatContext): Json {
  const type = checkFindingEvent(event, f);
  const link = findingLink(f, ctx);
  const facts = [
    { title: 'Severity', value: `${severityWord(f.severity)}${f.score === null ? '' : ` (${f.score})`}` },
    { title: 'Type', value: typeWords(f) },
    { title: 'Vulnerability', value: f.vulnerabilityId },
    { title: 'Resource', value: `${f.resource.type} ${f.resource.name || f.resource.id}` },
    { title: 'Where', value: subjectOf(f) },
    { title: 'Status', value: `${f.status}${f.suppressedBy ? ` (rule ${f.suppressedBy})` : ''}` },
    ...(f.type === 'vulnerability' || f.type === 'malicious' ? [{ title: 'Fixed in', value: f.fixedVersion ?? 'no fix yet' }] : []),
    ...(f.exploitAvailable ? [{ title: 'Known exploited', value: 'yes (CISA KEV)' }] : []),
    ...(f.epss !== null ? [{ title: 'EPSS', value: `${(f.epss * 100).toFixed(2)}%` }] : []),
  ].map((x) => ({ title: x.title, value: plain(truncate(x.value, 1000)) }));
  const body: Json[] = [
    { type: 'TextBlock', text: plain(`${VERB[type]} finding`), size: 'Small', weight: 'Bolder', color: COLOR[f.severity] ?? 'Default', wrap: true },
    { type: 'TextBlock', text: plain(truncate(f.title, 500)), size: 'Large', weight: 'Bolder', wrap: true },
    { type: 'TextBlock', text: plain(truncate(descriptionOf(f), 3000)), wrap: true },
    { type: 'FactSet', facts },
  ];
  const changes = type === 'finding.updated' ? changeLines(event) : [];
  if (changes.length) body.push({ type: 'TextBlock', text: plain(`Changed: ${changes.join('; ')}`), wrap: true, spacing: 'Medium' });
  const remediation = type === 'finding.closed' ? undefined : remediationOf(f);
  if (remediation) body.push({ type: 'TextBlock', text: plain(`Remediation: ${truncate(remediation, 2000)}`), wrap: true, spacing: 'Medium' });
  body.push({ type: 'TextBlock', text: plain(`Vigil ${ctx.vigilVersion} · finding ${f.id} · event ${event.id} at ${event.createdAt}`), size: 'Small', isSubtle: true, wrap: true });
  const card: Json = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: ADAPTIVE_CARD_VERSION,
    fallbackText: truncate(`${VERB[type]} ${severityWord(f.severity).toLowerCase()} finding: ${f.vulnerabilityId} in ${subjectOf(f)}`, 1000),
    body,
    ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Vigil', url: link }] } : {}),
  };
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}
