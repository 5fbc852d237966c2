/**
 * The form of an event destination: create (POST /v1/event-destinations) any kind — a webhook
 * (CloudEvents, OCSF or ASFF with its AWS account and region; a signing secret, generated when left
 * empty), a Slack incoming webhook, a Microsoft Teams workflow URL, a Jira project (base URL, project
 * key, issue type, the API token's user and the token, the closing transition) — with its filters;
 * or edit one (PATCH …/{id}: name, URL, filters, enabled, a Jira destination's new token; kind and
 * format are fixed once created). The server's refusal is shown under the field it names.
 */
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { DESTINATION_KINDS, EVENT_RESOURCE_TYPES, EVENT_SEVERITIES, EVENT_TYPES, WEBHOOK_FORMATS, type DestinationFilters, type DestinationKind, type EventDestination, type WebhookFormat } from '../../types.ts';
import { parseTagLines, tagLines } from '../cis/ConfigForm.tsx';
import { Card } from '../common.tsx';
import { fieldErrors } from './fields.tsx';
import { EVENT_TYPE_NAMES, FORMAT_NAMES, KIND_NAMES } from './labels.tsx';

const URL_LABEL: Record<DestinationKind, { label: string; hint: string; placeholder: string }> = {
  webhook: { label: 'Webhook URL', hint: 'events are POSTed here, signed (Vigil-Signature: HMAC-SHA256 over timestamp and body)', placeholder: 'https://hooks.example.com/vigil' },
  slack: { label: 'Slack incoming webhook URL', hint: 'Slack app → Incoming Webhooks → the channel\'s URL', placeholder: 'https://hooks.slack.com/services/…' },
  teams: { label: 'Teams workflow URL', hint: 'the "Post to a channel when a webhook request is received" workflow\'s URL', placeholder: 'https://prod-00.westeurope.logic.azure.com/workflows/…' },
  jira: { label: 'Jira base URL', hint: 'an issue is created per new finding, commented on change, transitioned when it closes', placeholder: 'https://example.atlassian.net' },
};
/** the error paths this form has a control for, most specific first */
const FIELDS = [
  'aws.accountId', 'aws.region', 'aws', 'jira.projectKey', 'jira.issueType', 'jira.email', 'jira.closeTransition', 'jira',
  'filters.eventTypes', 'filters.severities', 'filters.findingTypes', 'filters.resourceTypes', 'filters.resourceTags',
  'name', 'kind', 'url', 'format', 'secret', 'password', 'consoleUrl',
] as const;

const toggle = <T,>(xs: readonly T[], x: T, on: boolean): T[] => (on ? [...xs.filter((y) => y !== x), x] : xs.filter((y) => y !== x));

export function DestinationForm({ existing, onSaved, onCancel }: { existing?: EventDestination; onSaved: (d: EventDestination) => void; onCancel: () => void }) {
  const ids = useId();
  const f0 = existing?.filters ?? {};
  const [kind, setKind] = useState<DestinationKind>(existing?.kind ?? 'webhook');
  const [name, setName] = useState(existing?.name ?? '');
  const [url, setUrl] = useState(existing?.url ?? '');
  const [format, setFormat] = useState<WebhookFormat>(existing?.format ?? 'cloudevents');
  const [awsAccount, setAwsAccount] = useState(existing?.aws?.accountId ?? '');
  const [awsRegion, setAwsRegion] = useState(existing?.aws?.region ?? '');
  const [secret, setSecret] = useState('');
  const [consoleUrl, setConsoleUrl] = useState(existing?.consoleUrl ?? (existing ? '' : window.location.origin));
  const [projectKey, setProjectKey] = useState(existing?.jira?.projectKey ?? '');
  const [issueType, setIssueType] = useState(existing?.jira?.issueType ?? 'Bug');
  const [email, setEmail] = useState(existing?.jira?.email ?? '');
  const [closeTransition, setCloseTransition] = useState(existing?.jira?.closeTransition ?? 'Done');
  const [password, setPassword] = useState('');
  const [eventTypes, setEventTypes] = useState<string[]>(f0.eventTypes ?? []);
  const [severities, setSeverities] = useState<string[]>(f0.severities ?? []);
  const [findingTypes, setFindingTypes] = useState((f0.findingTypes ?? []).join(', '));
  const [resourceTypes, setResourceTypes] = useState<string[]>(f0.resourceTypes ?? []);
  const [tags, setTags] = useState(tagLines(f0.resourceTags));
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const parsedTags = parseTagLines(tags);
  const fe = fieldErrors(error, FIELDS);
  const id = (f: string) => `${ids}-${f.replace('.', '-')}`;
  const err = (f: string) => ({ 'aria-invalid': fe.invalid(f) || undefined, 'aria-describedby': fe.invalid(f) ? `${id(f)}-err` : undefined });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (parsedTags.error) return;
    const filters: DestinationFilters = {
      ...(eventTypes.length ? { eventTypes: EVENT_TYPES.filter((t) => eventTypes.includes(t)) } : {}),
      ...(severities.length ? { severities: EVENT_SEVERITIES.filter((s) => severities.includes(s)) } : {}),
      ...(findingTypes.trim() ? { findingTypes: findingTypes.split(/[\s,]+/).filter(Boolean) } : {}),
      ...(resourceTypes.length ? { resourceTypes: EVENT_RESOURCE_TYPES.filter((t) => resourceTypes.includes(t)) } : {}),
      ...(Object.keys(parsedTags.tags).length ? { resourceTags: parsedTags.tags } : {}),
    };
    setBusy(true);
    setError(null);
    try {
      let saved: EventDestination;
      if (existing) {
        saved = await api<EventDestination>(`/v1/event-destinations/${encodeURIComponent(existing.id)}`, {
          method: 'PATCH', body: { name: name.trim(), url: url.trim(), filters, enabled, ...(kind === 'jira' && password ? { password } : {}) },
        });
      } else {
        saved = await api<EventDestination>('/v1/event-destinations', {
          method: 'POST',
          body: {
            name: name.trim(), kind, url: url.trim(), filters, enabled,
            ...(consoleUrl.trim() ? { consoleUrl: consoleUrl.trim() } : {}),
            ...(kind === 'webhook' ? { format, ...(format === 'asff' ? { aws: { accountId: awsAccount.trim(), region: awsRegion.trim() } } : {}) } : {}),
            ...(kind !== 'jira' && secret ? { secret } : {}),
            ...(kind === 'jira' ? { jira: { projectKey: projectKey.trim(), issueType: issueType.trim(), email: email.trim(), closeTransition: closeTransition.trim() }, password } : {}),
          },
        });
      }
      onSaved(saved);
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };

  const title = existing ? `Edit ${existing.name}` : 'New event destination';
  const u = URL_LABEL[kind];
  const text = (f: string, label: string, value: string, set: (v: string) => void, o: { hint?: string; placeholder?: string; required?: boolean; type?: string; disabled?: boolean; autoComplete?: string } = {}) => (
    <>
      <label htmlFor={id(f)}>{label}{o.hint ? <span className="hint">{o.hint}</span> : null}</label>
      <input id={id(f)} type={o.type ?? 'text'} value={value} required={o.required} disabled={o.disabled} placeholder={o.placeholder} autoComplete={o.autoComplete ?? 'off'} onChange={(e) => set(e.target.value)} {...err(f)} />
      {fe.at(f, `${id(f)}-err`)}
    </>
  );
  return (
    <Card title={title} className="finding-card">
      <form className="stacked destination-form" aria-label={title} onSubmit={submit} noValidate>
        <label htmlFor={id('kind')}>Kind{existing ? <span className="hint">fixed once created</span> : null}</label>
        <select id={id('kind')} value={kind} disabled={Boolean(existing)} onChange={(e) => { setKind(e.target.value as DestinationKind); setFormat('cloudevents'); }} {...err('kind')}>
          {DESTINATION_KINDS.map((k) => <option key={k} value={k}>{KIND_NAMES[k]}</option>)}
        </select>
        {fe.at('kind', `${id('kind')}-err`)}
        {text('name', 'Name', name, setName, { required: true })}
        {text('url', u.label, url, setUrl, { hint: u.hint, placeholder: u.placeholder, required: true, type: 'url' })}

        {kind === 'webhook' ? (
          <>
            <label htmlFor={id('format')}>Format{existing ? <span className="hint">fixed once created</span> : <span className="hint">OCSF and ASFF carry finding events only</span>}</label>
            <select id={id('format')} value={format} disabled={Boolean(existing)} onChange={(e) => setFormat(e.target.value as WebhookFormat)} {...err('format')}>
              {WEBHOOK_FORMATS.map((f) => <option key={f} value={f}>{FORMAT_NAMES[f]}</option>)}
            </select>
            {fe.at('format', `${id('format')}-err`)}
            {format === 'asff' ? (
              <fieldset>
                <legend>Security Hub account</legend>
                {text('aws.accountId', 'AWS account ID', awsAccount, setAwsAccount, { placeholder: '123456789012', disabled: Boolean(existing) })}
                {text('aws.region', 'AWS region', awsRegion, setAwsRegion, { placeholder: 'eu-west-1', disabled: Boolean(existing) })}
                {fe.at('aws', `${id('aws')}-err`)}
              </fieldset>
            ) : null}
          </>
        ) : null}
        {kind !== 'jira' && !existing
          ? text('secret', 'Signing secret', secret, setSecret, { type: 'password', hint: 'at least 16 characters; leave empty and Vigil generates one, shown once', autoComplete: 'new-password' })
          : null}
        {kind === 'jira' ? (
          <fieldset>
            <legend>Jira</legend>
            {text('jira.projectKey', 'Project key', projectKey, setProjectKey, { placeholder: 'SEC', disabled: Boolean(existing), required: true })}
            {text('jira.issueType', 'Issue type', issueType, setIssueType, { disabled: Boolean(existing) })}
            {text('jira.email', 'User (e-mail of the API token\'s owner)', email, setEmail, { type: 'email', disabled: Boolean(existing), required: !existing })}
            {text('jira.closeTransition', 'Closing transition (name or id)', closeTransition, setCloseTransition, { disabled: Boolean(existing) })}
            {text('password', existing ? 'New API token' : 'API token', password, setPassword, { type: 'password', hint: existing ? 'leave empty to keep the current one; never shown' : 'sealed at rest, never shown', required: !existing, autoComplete: 'new-password' })}
            {fe.at('jira', `${id('jira')}-err`)}
          </fieldset>
        ) : null}
        {!existing ? text('consoleUrl', 'Console URL for links (optional)', consoleUrl, setConsoleUrl, { type: 'url', hint: 'messages link to findings here' }) : null}

        <fieldset>
          <legend>Filters <span className="hint">(nothing ticked: everything)</span></legend>
          <fieldset className="check-row">
            <legend>Event types</legend>
            {EVENT_TYPES.map((t) => <label key={t} className="check"><input type="checkbox" checked={eventTypes.includes(t)} onChange={(e) => setEventTypes(toggle(eventTypes, t, e.target.checked))} /> {EVENT_TYPE_NAMES[t]}</label>)}
            {fe.at('filters.eventTypes')}
          </fieldset>
          <fieldset className="check-row">
            <legend>Severities</legend>
            {EVENT_SEVERITIES.map((s) => <label key={s} className="check"><input type="checkbox" checked={severities.includes(s)} onChange={(e) => setSeverities(toggle(severities, s, e.target.checked))} /> {s}</label>)}
            {fe.at('filters.severities')}
          </fieldset>
          <fieldset className="check-row">
            <legend>Resource types</legend>
            {EVENT_RESOURCE_TYPES.map((t) => <label key={t} className="check"><input type="checkbox" checked={resourceTypes.includes(t)} onChange={(e) => setResourceTypes(toggle(resourceTypes, t, e.target.checked))} /> {t}</label>)}
            {fe.at('filters.resourceTypes')}
          </fieldset>
          {text('filters.findingTypes', 'Finding types', findingTypes, setFindingTypes, { hint: 'comma-separated: package_vulnerability, secret, code_vulnerability, network_reachability, …' })}
          <label htmlFor={id('tags')}>Resource tags <span className="hint">one key=value a line; every key must match, one of its values</span></label>
          <textarea id={id('tags')} rows={2} className="mono" value={tags} placeholder="env=prod" onChange={(e) => setTags(e.target.value)} aria-invalid={Boolean(parsedTags.error) || fe.invalid('filters.resourceTags') || undefined} />
          {parsedTags.error ? <p className="field-error">{parsedTags.error}</p> : fe.at('filters.resourceTags')}
        </fieldset>
        <label className="check"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (events are delivered)</label>
        {fe.rest}
        <div className="form-actions">
          <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
          <button type="submit" className="primary" disabled={busy || Boolean(parsedTags.error)}>{busy ? 'Saving…' : existing ? 'Save changes' : 'Create destination'}</button>
        </div>
      </form>
    </Card>
  );
}
