/**
 * Jira REST API v2 bodies for a finding: the issue to create when a finding appears (POST
 * /rest/api/2/issue), the comment when it changes (POST /rest/api/2/issue/{key}/comment) and the
 * transition when it closes (POST /rest/api/2/issue/{key}/transitions). v2, not v3: v2 takes the
 * description and comments as wiki-markup strings, which every Jira (Cloud and Data Center) reads;
 * v3 (Cloud only) would need Atlassian Document Format. Shapes:
 * https://developer.atlassian.com/cloud/jira/platform/rest/v2/api-group-issues/#api-rest-api-2-issue-post
 *
 * Idempotency: every issue carries the label `vigil-<finding id>`; a destination finds the issue of a
 * finding with {@link jiraSearchJql} before creating one, and comments on or transitions that issue.
 */
import { VigilError } from '../../model/index.ts';
import { changeLines, checkFindingEvent, descriptionOf, findingLink, remediationOf, severityWord, subjectOf, truncate, typeWords } from './common.ts';
import type { EventView, FindingSeverity, FindingView, FormatContext } from './types.ts';

/** Jira's limits: a summary is at most 255 characters on one line; text fields at most 32,767. */
export const JIRA_LIMITS = { summary: 255, text: 32_767, label: 255 } as const;

/** Jira's default priority names by severity; UNKNOWN (not scored yet) is not buried: Medium. */
export const JIRA_DEFAULT_PRIORITIES: Record<FindingSeverity, string> = {
  CRITICAL: 'Highest', HIGH: 'High', MEDIUM: 'Medium', LOW: 'Low', NONE: 'Lowest', UNKNOWN: 'Medium',
};

export interface JiraContext extends FormatContext {
  jira: {
    /** the project key, e.g. "SEC" */
    projectKey: string;
    /** the issue type's name; default "Bug" */
    issueType?: string;
    /** priority names by severity (a Jira with its own priority scheme); default {@link JIRA_DEFAULT_PRIORITIES} */
    priorities?: Partial<Record<FindingSeverity, string>>;
    /** more labels for every issue (no spaces) */
    labels?: string[];
    /** the transition that closes an issue: its id (needed by the API) or its name (looked up); default name "Done" */
    closeTransition?: { id?: string; name?: string };
  };
}

/** The idempotency label of a finding's issue. */
export function jiraLabel(findingId: string): string {
  return truncate(`vigil-${findingId}`.replace(/\s+/g, '_'), JIRA_LIMITS.label);
}

/** JQL that finds the issue of a finding in the project. */
export function jiraSearchJql(f: Pick<FindingView, 'id'>, ctx: JiraContext): string {
  const key = checkJira(ctx).projectKey;
  return `project = ${key} AND labels = "${jiraLabel(f.id).replace(/["\\]/g, '\\$&')}"`;
}

function checkJira(ctx: JiraContext): JiraContext['jira'] {
  const j = ctx.jira;
  if (!j || !/^[A-Z][A-Z0-9_]+$/.test(j.projectKey ?? '')) {
    throw new VigilError('VIGIL_CONFIG', `jira.projectKey ${JSON.stringify(j?.projectKey)}: a Jira project key is an uppercase letter then uppercase letters, digits or _ (like SEC)`, { input: 'jira.projectKey', rule: 'jira-project-key' });
  }
  for (const l of j.labels ?? []) {
    if (!l || /\s/.test(l) || l.length > JIRA_LIMITS.label) {
      throw new VigilError('VIGIL_CONFIG', `jira.labels ${JSON.stringify(l)}: a Jira label is 1 to ${JIRA_LIMITS.label} characters without spaces`, { input: 'jira.labels', rule: 'jira-label' });
    }
  }
  if (j.issueType !== undefined && !j.issueType.trim()) {
    throw new VigilError('VIGIL_CONFIG', 'jira.issueType: must not be empty', { input: 'jira.issueType', rule: 'jira-issue-type' });
  }
  return j;
}

/**
 * Text shown literally in wiki markup: `\ { } [ ] * _ | ! #` (macros, links, bold, italic, tables,
 * images, lists) are backslash-escaped everywhere; `- + ^ ~ ?` (strike, underline, super/subscript,
 * citation) only at the edge of a word, where they could open or close markup, so versions and ids
 * ("CVE-2021-23337", "1.2.3-r4") stay readable.
 */
export function wikiEscape(s: string): string {
  return s.replace(/[\\{}[\]*_|!#]|[-+^~?]/g, (c, i: number) => {
    if (!'-+^~?'.includes(c)) return `\\${c}`;
    const before = i === 0 ? '' : s[i - 1];
    const after = s[i + 1] ?? '';
    return !before || /\s/.test(before) || !after || /\s/.test(after) ? `\\${c}` : c;
  });
}

/** A {noformat} block (its content is never interpreted; a "{noformat}" inside it is broken up). */
function noformat(s: string): string {
  return `{noformat}\n${s.replace(/\{noformat\}/gi, '{ noformat}')}\n{noformat}`;
}

function detailBlock(f: FindingView): string | undefined {
  const s = f.details.secret;
  if (s) return `${s.location.path}:${s.location.line}:${s.location.column}${s.location.commit ? ` (commit ${s.location.commit.id})` : ''}\n${s.snippet}`;
  const c = f.details.code;
  if (c) return `${c.location.path}:${c.location.line}:${c.location.column} (${c.rule}, ${c.cwe.join(', ')})\n${c.snippet}`;
  const n = f.details.networkReachability;
  if (n) return `${n.protocol} ${n.openPortRange.begin}-${n.openPortRange.end} from ${n.sources.join(', ')}\n${n.networkPath.steps.map((x) => `${x.componentType} ${x.componentId}`).join('\n→ ')}`;
  return undefined;
}

/** The v2 wiki-markup description of a finding, at most 32,767 characters. */
export function jiraDescription(f: FindingView, ctx: FormatContext): string {
  const link = findingLink(f, ctx);
  const row = (k: string, v: string) => `*${k}:* ${wikiEscape(v)}`;
  const lines = [
    row('Severity', `${severityWord(f.severity)}${f.score === null ? '' : ` (${f.score})`}`),
    row('Type', typeWords(f)),
    row('Vulnerability', f.vulnerabilityId),
    row('Resource', `${f.resource.type} ${f.resource.name || f.resource.id}${f.resource.digest ? ` (${f.resource.digest})` : ''}`),
    row('Where', `${subjectOf(f)}${f.package.location && (f.type === 'vulnerability' || f.type === 'malicious') ? ` at ${f.package.location}` : ''}`),
    ...(f.type === 'vulnerability' || f.type === 'malicious' ? [row('Fixed in', f.fixedVersion ?? 'no fix yet')] : []),
    ...(f.exploitAvailable ? [row('Known exploited', 'yes (CISA KEV)')] : []),
    row('Status', f.status),
    '',
    // cut before the sections below, so that a huge advisory text cannot push them (or the end of a
    // {noformat} block) past Jira's limit
    wikiEscape(truncate(descriptionOf(f), 20_000)),
  ];
  const remediation = remediationOf(f);
  if (remediation) lines.push('', 'h4. Remediation', wikiEscape(remediation));
  const detail = detailBlock(f);
  if (detail) lines.push('', 'h4. Details', noformat(truncate(detail, 5_000)));
  const refs = (f.details.references ?? []).filter((u) => /^https?:\/\/[^\s|\]]+$/.test(u)).slice(0, 20);
  if (refs.length) lines.push('', 'h4. References', ...refs.map((u) => `* [${u}]`));
  lines.push('', `----`, `Vigil ${wikiEscape(ctx.vigilVersion)} · finding ${wikiEscape(f.id)}${link ? ` · [Open in Vigil|${link}]` : ''}`);
  return truncate(lines.join('\n'), JIRA_LIMITS.text);
}

/** The summary: "<severity> <vulnerability> in <subject>: <title>", one line, ≤ 255. */
export function jiraSummary(f: FindingView): string {
  return truncate(`[${severityWord(f.severity)}] ${f.vulnerabilityId} in ${subjectOf(f)}: ${f.title}`.replace(/[\r\n\t]+/g, ' '), JIRA_LIMITS.summary);
}

/**
 * The body of POST /rest/api/2/issue for a new finding.
 * @throws VigilError VIGIL_CONFIG naming `jira.projectKey`, `jira.labels` or `jira.issueType` when the context's are not valid
 */
export function toJiraIssue(f: FindingView, ctx: JiraContext): { fields: { project: { key: string }; issuetype: { name: string }; summary: string; description: string; labels: string[]; priority: { name: string } } } {
  const j = checkJira(ctx);
  const labels = [...new Set(['vigil', jiraLabel(f.id), `vigil-${f.type.replace(/_/g, '-')}`, ...(j.labels ?? [])])];
  return {
    fields: {
      project: { key: j.projectKey },
      issuetype: { name: j.issueType ?? 'Bug' },
      summary: jiraSummary(f),
      description: jiraDescription(f, ctx),
      labels,
      priority: { name: j.priorities?.[f.severity] ?? JIRA_DEFAULT_PRIORITIES[f.severity] },
    },
  };
}

function eventText(event: EventView, f: FindingView, ctx: FormatContext, what: string): string {
  const link = findingLink(f, ctx);
  const changes = changeLines(event);
  return truncate([
    `${what} (Vigil event ${event.id} at ${wikiEscape(event.createdAt)}).`,
    ...(changes.length ? ['', ...changes.map((c) => `* ${wikiEscape(c)}`)] : []),
    '', `*Now:* ${wikiEscape(`${severityWord(f.severity)}${f.score === null ? '' : ` (${f.score})`}, ${f.status}${f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ''}`)}`,
    ...(link ? [`[Open in Vigil|${link}]`] : []),
  ].join('\n'), JIRA_LIMITS.text);
}

/**
 * The body of POST /rest/api/2/issue/{key}/comment for a finding.updated event.
 * @throws VigilError VIGIL_INVALID_INPUT when the event is not finding.updated about `finding`
 */
export function toJiraComment(event: EventView, f: FindingView, ctx: JiraContext): { body: string } {
  const type = checkFindingEvent(event, f);
  if (type !== 'finding.updated') {
    throw new VigilError('VIGIL_INVALID_INPUT', `event ${event.id}: a Jira comment is for finding.updated, not ${type}`, { input: `event ${event.id}`, rule: 'jira-comment-event' });
  }
  checkJira(ctx);
  return { body: eventText(event, f, ctx, event.payload.change === 'reopened' ? 'The finding was reopened' : 'The finding changed') };
}

/** What to do with a finding's issue when the finding closes. */
export interface JiraCloseIntent {
  action: 'transition';
  /** the issue is the one carrying this label (found with `jql`) */
  label: string;
  jql: string;
  /** the transition: by id when configured; else the destination picks the id whose name matches from GET /rest/api/2/issue/{key}/transitions */
  transition: { id?: string; name?: string };
  /** the comment the transition adds */
  comment: string;
  /** the body of POST /rest/api/2/issue/{key}/transitions for a transition id */
  request(transitionId: string): { transition: { id: string }; update: { comment: { add: { body: string } }[] } };
}

/**
 * The transition intent for a finding.closed event.
 * @throws VigilError VIGIL_INVALID_INPUT when the event is not finding.closed about `finding`; VIGIL_CONFIG for a bad context
 */
export function toJiraClose(event: EventView, f: FindingView, ctx: JiraContext): JiraCloseIntent {
  const type = checkFindingEvent(event, f);
  if (type !== 'finding.closed') {
    throw new VigilError('VIGIL_INVALID_INPUT', `event ${event.id}: a Jira transition is for finding.closed, not ${type}`, { input: `event ${event.id}`, rule: 'jira-close-event' });
  }
  const j = checkJira(ctx);
  const t = j.closeTransition ?? {};
  const comment = eventText(event, f, ctx, 'The finding was closed: the last scan no longer sees it');
  return {
    action: 'transition',
    label: jiraLabel(f.id),
    jql: jiraSearchJql(f, ctx),
    transition: t.id ? { id: t.id, ...(t.name ? { name: t.name } : {}) } : { name: t.name ?? 'Done' },
    comment,
    request: (id) => ({ transition: { id }, update: { comment: [{ add: { body: comment } }] } }),
  };
}
