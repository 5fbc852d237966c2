/**
 * A Slack incoming-webhook message (Block Kit) for a finding event: `text` (the notification and
 * fallback) and `blocks`. Limits from Slack's Block Kit reference
 * (https://api.slack.com/reference/block-kit/blocks): ≤ 50 blocks a message, header plain_text ≤ 150,
 * section text ≤ 3000, section fields ≤ 10 of ≤ 2000 each, context ≤ 10 elements, actions ≤ 25
 * elements, button text ≤ 75 and url ≤ 3000, block_id ≤ 255.
 */
import { changeLines, checkFindingEvent, descriptionOf, findingLink, remediationOf, severityWord, subjectOf, truncate, typeWords } from './common.ts';
import type { EventView, FindingView, FormatContext } from './types.ts';

export const SLACK_LIMITS = { blocks: 50, headerText: 150, sectionText: 3000, fields: 10, fieldText: 2000, contextElements: 10, actionsElements: 25, buttonText: 75, buttonUrl: 3000, blockId: 255, messageText: 4000 } as const;

const VERB = { 'finding.created': 'New', 'finding.updated': 'Updated', 'finding.closed': 'Closed' } as const;
const EMOJI: Record<string, string> = { CRITICAL: ':red_circle:', HIGH: ':large_orange_circle:', MEDIUM: ':large_yellow_circle:', LOW: ':large_blue_circle:', NONE: ':white_circle:', UNKNOWN: ':white_circle:' };

/** Slack's mrkdwn needs &, < and > escaped (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type Json = Record<string, unknown>;
/** Cut escaped text without leaving half an entity ("&am…"). */
function cutEscaped(s: string, max: number): string {
  return s.length <= max ? s : truncate(s, max).replace(/&[a-z]{0,3}…$/, '…');
}
const mrkdwn = (text: string, max: number) => ({ type: 'mrkdwn', text: cutEscaped(text, max) });

/**
 * The Block Kit message of a finding event. `finding` is the finding as the API answers now.
 * @throws VigilError VIGIL_INVALID_INPUT when the event is not a finding event about `finding`
 */
export function toSlackMessage(event: EventView, f: FindingView, ctx: FormatContext): { text: string; blocks: Json[] } {
  const type = checkFindingEvent(event, f);
  const link = findingLink(f, ctx);
  const head = `${VERB[type]} ${severityWord(f.severity).toLowerCase()} finding: ${f.vulnerabilityId} in ${subjectOf(f)}`;
  const fields: Json[] = [
    mrkdwn(`*Severity*\n${EMOJI[f.severity] ?? ''} ${severityWord(f.severity)}${f.score === null ? '' : ` (${f.score})`}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Type*\n${typeWords(f)}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Resource*\n${slackEscape(`${f.resource.type} ${f.resource.name || f.resource.id}`)}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Where*\n${slackEscape(subjectOf(f))}`, SLACK_LIMITS.fieldText),
    mrkdwn(`*Status*\n${f.status}${f.suppressedBy ? ` (rule ${slackEscape(f.suppressedBy)})` : ''}`, SLACK_LIMITS.fieldText),
  ];
  if (f.type === 'vulnerability' || f.type === 'malicious') fields.push(mrkdwn(`*Fixed in*\n${slackEscape(f.fixedVersion ?? 'no fix yet')}`, SLACK_LIMITS.fieldText));
  if (f.exploitAvailable) fields.push(mrkdwn('*Known exploited*\nyes (CISA KEV)', SLACK_LIMITS.fieldText));
  if (f.epss !== null) fields.push(mrkdwn(`*EPSS*\n${(f.epss * 100).toFixed(2)}%`, SLACK_LIMITS.fieldText));

  const blocks: Json[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${VERB[type]}: ${f.title}`, SLACK_LIMITS.headerText), emoji: true } },
    { type: 'section', text: mrkdwn(slackEscape(descriptionOf(f)), SLACK_LIMITS.sectionText), fields: fields.slice(0, SLACK_LIMITS.fields) },
  ];
  const changes = type === 'finding.updated' ? changeLines(event) : [];
  if (changes.length) blocks.push({ type: 'section', text: mrkdwn(`*Changed*\n${changes.map((c) => `• ${slackEscape(c)}`).join('\n')}`, SLACK_LIMITS.sectionText) });
  const remediation = type === 'finding.closed' ? undefined : remediationOf(f);
  if (remediation) blocks.push({ type: 'section', text: mrkdwn(`*Remediation*\n${slackEscape(remediation)}`, SLACK_LIMITS.sectionText) });
  blocks.push({
    type: 'context',
    elements: [mrkdwn(`Vigil ${slackEscape(ctx.vigilVersion)} · finding ${slackEscape(f.id)} · event ${event.id} at ${event.createdAt}`, SLACK_LIMITS.sectionText)],
  });
  if (link) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in Vigil' }, url: truncate(link, SLACK_LIMITS.buttonUrl), action_id: 'vigil-open-finding' }],
    });
  }
  return { text: truncate(`${slackEscape(head)}${link ? ` <${link}|open>` : ''}`, SLACK_LIMITS.messageText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}
