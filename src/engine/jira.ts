/**
 * Jira destinations (issue 19): one delivery attempt of a finding event to a Jira project over the
 * REST API v2 (bodies from integrations/formats/jira.ts), through the tenants' request policy.
 *
 * Idempotent by finding id: every issue carries the label `vigil-<finding id>`, and every attempt
 * first looks the finding's issue up by that label — so a retry after a create whose answer was
 * lost (a timeout) comments on the issue it created instead of creating a second one.
 *
 * - finding.created: no issue → create one; an issue → a comment (a retry, or a finding seen again).
 * - finding.updated: a comment on the issue (created first when missing).
 * - finding.closed: the close transition (by id or name, from the issue's transitions) after a
 *   comment; an issue already in a done status is left as it is; no issue → nothing to close.
 *
 * Search: Jira Cloud removed `POST /rest/api/2/search` (HTTP 410, Atlassian CHANGE-2046) for
 * `POST /rest/api/2/search/jql`; Data Center has only the former. The new one is tried first and
 * the old one when it answers 404.
 *
 * Outcomes as delivery.ts counts them: 2xx ok; 429 and 5xx, timeouts and network errors retried with
 * the backoff; any other 4xx (a bad token, a missing project or issue type, a field Jira refuses)
 * and redirects (never followed: a wrong base URL) are permanent, DEAD at once with Jira's own error
 * text. A close transition the issue does not offer is an error that counts as a failed attempt.
 */
import { z } from 'zod';
import { jiraSearchJql, toJiraClose, toJiraComment, toJiraIssue, wikiEscape, type EventView, type FindingView, type JiraContext } from '../integrations/formats/index.ts';
import type { TargetPolicy } from '../policy/index.ts';

export const JiraSettings = z.strictObject({
  projectKey: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a Jira project key: an uppercase letter, then uppercase letters, digits or _ (like SEC)').max(64),
  issueType: z.string().trim().min(1).max(255).default('Bug').describe('the issue type\'s name (default Bug)'),
  email: z.string().max(320).regex(/^[^\s:@]+@[^\s:@]+$/, 'an email address (the Jira Cloud user of the API token)').describe('the user of Basic auth; the API token goes in `password`'),
  closeTransition: z.string().trim().min(1).max(255).default('Done').describe('the transition that closes an issue: its name or id (default Done)'),
});
export type JiraSettings = z.output<typeof JiraSettings>;

/** `retryAfter`: the receiver's Retry-After header on a 429 or 503, as given (the worker reads it against its clock). */
export type AttemptResult = { ok: true; status?: number } | { ok: false; status?: number; error: string; permanent?: boolean; retryAfter?: string };

export interface JiraTarget {
  /** the Jira base URL (a context path such as /jira is kept) */
  url: string;
  settings: JiraSettings;
  token: string;
  consoleUrl?: string;
  vigilVersion: string;
  timeoutMs: number;
}

/** A Jira answer that ends the attempt: `permanent` when no retry changes it. */
class JiraFailure extends Error {
  constructor(message: string, readonly status: number | undefined, readonly permanent: boolean, readonly retryAfter?: string) {
    super(message);
  }
}

/** Jira's error body ({errorMessages: [...], errors: {field: message}}) as one line, else the text. */
function jiraErrorText(text: string): string {
  try {
    const j = JSON.parse(text) as { errorMessages?: unknown; errors?: unknown; message?: unknown };
    const parts: string[] = [];
    if (Array.isArray(j.errorMessages)) parts.push(...j.errorMessages.map(String));
    if (j.errors && typeof j.errors === 'object') parts.push(...Object.entries(j.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${String(v)}`));
    if (typeof j.message === 'string') parts.push(j.message);
    if (parts.length) return parts.join('; ').slice(0, 1000);
  } catch { /* not JSON */ }
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}

interface IssueRef { key: string; done: boolean }

class JiraClient {
  private readonly base: string;
  private readonly auth: string;
  constructor(private readonly policy: TargetPolicy, private readonly t: JiraTarget) {
    this.base = t.url.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${t.settings.email}:${t.token}`, 'utf8').toString('base64')}`;
  }

  /** One request; a non-2xx answer throws a JiraFailure unless its status is in `pass`. */
  async call(method: 'GET' | 'POST', path: string, body?: unknown, pass: number[] = []): Promise<{ status: number; json: unknown; text: string }> {
    let res: Response;
    const signal = AbortSignal.timeout(this.t.timeoutMs);
    try {
      res = await this.policy.fetch(`${this.base}${path}`, {
        method, redirect: 'manual', signal,
        headers: {
          authorization: this.auth, accept: 'application/json', 'user-agent': 'vigil-events/1',
          ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      // the policy reports an aborted request as unreachable: the timeout is named instead
      const e = err as Error;
      if (signal.aborted || e.name === 'TimeoutError') throw new JiraFailure(`${method} ${path}: no answer within ${Math.round(this.t.timeoutMs / 1000)} s`, undefined, false);
      throw new JiraFailure(`${method} ${path}: ${e.message}`, undefined, false);
    }
    let text = '';
    try {
      text = await res.text();
    } catch (err) {
      throw new JiraFailure(`${method} ${path}: the answer broke off: ${(err as Error).message}`, res.status, false);
    }
    if ((res.status >= 200 && res.status < 300) || pass.includes(res.status)) {
      let json: unknown = null;
      if (text) try { json = JSON.parse(text); } catch { json = null; }
      return { status: res.status, json, text };
    }
    const what = `${method} ${path}: HTTP ${res.status}`;
    if (res.status >= 300 && res.status < 400) {
      throw new JiraFailure(`${what}: a redirect to ${res.headers.get('location') ?? '(no location)'}, not followed (is the Jira base URL right?)`, res.status, true);
    }
    const detail = jiraErrorText(text);
    const retried = res.status === 429 || res.status >= 500;
    throw new JiraFailure(`${what}${detail ? `: ${detail}` : ''}`, res.status, !retried, retried ? res.headers.get('retry-after') ?? undefined : undefined);
  }

  /** The issue labelled for the finding, if any (Cloud's search/jql, else Data Center's search). */
  async findIssue(jql: string): Promise<IssueRef | null> {
    const q = { jql, fields: ['status'], maxResults: 2 };
    let r = await this.call('POST', '/rest/api/2/search/jql', q, [404]);
    if (r.status === 404) r = await this.call('POST', '/rest/api/2/search', { ...q, startAt: 0 });
    const issues = (r.json as { issues?: { key?: unknown; fields?: { status?: { statusCategory?: { key?: unknown } } } }[] } | null)?.issues;
    if (!Array.isArray(issues)) throw new JiraFailure('the issue search answered without an issues list', r.status, false);
    const first = issues.find((i) => typeof i.key === 'string');
    return first ? { key: first.key as string, done: first.fields?.status?.statusCategory?.key === 'done' } : null;
  }

  async createIssue(body: ReturnType<typeof toJiraIssue>): Promise<string> {
    let r = await this.call('POST', '/rest/api/2/issue', body, [400]);
    // a project whose create screen has no priority field refuses it: create without
    if (r.status === 400 && /"priority"/.test(r.text)) {
      const { priority: _, ...fields } = body.fields;
      r = await this.call('POST', '/rest/api/2/issue', { fields }, []);
    } else if (r.status === 400) {
      throw new JiraFailure(`POST /rest/api/2/issue: HTTP 400: ${jiraErrorText(r.text)}`, 400, true);
    }
    const key = (r.json as { key?: unknown } | null)?.key;
    if (typeof key !== 'string') throw new JiraFailure('POST /rest/api/2/issue: the answer has no issue key', r.status, false);
    return key;
  }

  async comment(key: string, body: string): Promise<void> {
    await this.call('POST', `/rest/api/2/issue/${encodeURIComponent(key)}/comment`, { body });
  }
}

/** The comment on an issue that already exists when its finding's finding.created comes (a retry, or the finding seen again). */
function seenAgainText(event: EventView, f: FindingView): string {
  return `The finding was reported (Vigil event ${event.id} at ${wikiEscape(event.createdAt)}); this issue already tracks it.\n\n*Now:* ${wikiEscape(`${f.severity}, ${f.status}${f.fixedVersion ? `, fixed in ${f.fixedVersion}` : ''}`)}`;
}

/** One attempt of a finding event to a Jira destination. */
export async function deliverToJira(policy: TargetPolicy, t: JiraTarget, event: EventView, f: FindingView): Promise<AttemptResult> {
  const ctx: JiraContext = {
    vigilVersion: t.vigilVersion, ...(t.consoleUrl ? { consoleUrl: t.consoleUrl } : {}),
    jira: { projectKey: t.settings.projectKey, issueType: t.settings.issueType, closeTransition: { name: t.settings.closeTransition } },
  };
  const jira = new JiraClient(policy, t);
  try {
    let body: ReturnType<typeof toJiraIssue>;
    let close: ReturnType<typeof toJiraClose> | undefined;
    let comment: string | undefined;
    try {
      // formatting first: a refusal (a setting, an event of another finding) is permanent
      body = toJiraIssue(f, ctx);
      if (event.type === 'finding.updated') comment = toJiraComment(event, f, ctx).body;
      else if (event.type === 'finding.closed') close = toJiraClose(event, f, ctx);
      else if (event.type !== 'finding.created') return { ok: false, error: `a Jira destination takes finding events, not ${event.type}`, permanent: true };
    } catch (err) {
      return { ok: false, error: `the event cannot be formatted for Jira: ${(err as Error).message}`, permanent: true };
    }
    let issue = await jira.findIssue(jiraSearchJql(f, ctx));
    if (event.type === 'finding.created') {
      if (!issue) await jira.createIssue(body);
      else await jira.comment(issue.key, seenAgainText(event, f));
      return { ok: true, status: 201 };
    }
    if (event.type === 'finding.updated') {
      if (!issue) issue = { key: await jira.createIssue(body), done: false };
      await jira.comment(issue.key, comment!);
      return { ok: true, status: 201 };
    }
    // finding.closed
    if (!issue) return { ok: true }; // never ticketed (filtered out, or its creation a dead letter): nothing to close
    const path = `/rest/api/2/issue/${encodeURIComponent(issue.key)}/transitions`;
    const list = (await jira.call('GET', path)).json as { transitions?: { id?: unknown; name?: unknown }[] } | null;
    const transitions = (list?.transitions ?? []).filter((x) => typeof x.id === 'string' || typeof x.id === 'number').map((x) => ({ id: String(x.id), name: String(x.name ?? '') }));
    const want = t.settings.closeTransition;
    const pick = transitions.find((x) => x.id === want) ?? transitions.find((x) => x.name.toLowerCase() === want.toLowerCase());
    if (!pick) {
      if (issue.done) return { ok: true }; // closed already (a retry after the transition went through)
      return { ok: false, error: `issue ${issue.key} offers no transition named or numbered ${JSON.stringify(want)} (it offers: ${transitions.map((x) => `${x.name} (${x.id})`).join(', ') || 'none'}); set closeTransition`, status: 200 };
    }
    await jira.comment(issue.key, close!.comment);
    await jira.call('POST', path, { transition: { id: pick.id } });
    return { ok: true, status: 204 };
  } catch (err) {
    if (err instanceof JiraFailure) return { ok: false, error: err.message, ...(err.status !== undefined ? { status: err.status } : {}), permanent: err.permanent, ...(err.retryAfter ? { retryAfter: err.retryAfter } : {}) };
    throw err;
  }
}

