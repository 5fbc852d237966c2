/**
 * "Add a registry/host/…": the config fields come from the kind's schema in /openapi.json
 * (RegistryConfig, HostConfig, …), rendered by the generic SchemaFields. After creation the
 * generated secrets and webhook endpoints are shown once (CreatedTargetPanel).
 */
import { useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useWhoAmI } from '../../session.tsx';
import type { Account, CreatedTarget, Page } from '../../types.ts';
import { ErrorMessage, Loading } from '../common.tsx';
import { componentSchema, errorField, fieldsOf, FormInputError, humanize, initialValues, SchemaFields, useOpenApi, valuesToObject, type FormValues } from '../admin/SchemaForm.tsx';
import { CopyField, ShownOnce } from '../admin/widgets.tsx';
import type { KindInfo } from './kinds.ts';

export function AddTargetForm({ info, onCreated, onCancel }: { info: KindInfo; onCreated: (t: CreatedTarget) => void; onCancel: () => void }) {
  const who = useWhoAmI();
  const doc = useOpenApi();
  const accounts = useQuery({ queryKey: ['accounts'], queryFn: () => api<Page<Account>>('/v1/accounts'), enabled: who.account.isDelegatedAdmin });
  const schema = componentSchema(doc.data, info.schema);
  const fields = useMemo(() => (schema ? fieldsOf(schema, doc.data) : []), [schema, doc.data]);
  const [values, setValues] = useState<FormValues | null>(null);
  const [name, setName] = useState('');
  const [accountId, setAccountId] = useState(who.account.id);
  const [rawConfig, setRawConfig] = useState('{\n}');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const current = values ?? initialValues(fields);

  if (doc.isPending) return <Loading label="Reading the API's target schemas…" />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let config: unknown;
    try {
      if (schema) config = valuesToObject(fields, current);
      else {
        try {
          config = JSON.parse(rawConfig);
        } catch {
          throw new FormInputError('config', 'Config: not valid JSON');
        }
      }
    } catch (err) {
      setError(err);
      return;
    }
    setBusy(true);
    try {
      const created = await api<CreatedTarget>(`/v1/${info.plural}`, {
        method: 'POST',
        body: { ...(name.trim() ? { name: name.trim() } : {}), ...(accountId !== who.account.id ? { accountId } : {}), config },
      });
      onCreated(created);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const invalid = errorField(error);
  const nameRequired = info.kind === 'function';

  return (
    <form className="stacked target-form" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate={false}>
      <h2 id={`${id}-title`}>Add a {info.one}</h2>
      {doc.error ? <ErrorMessage error={doc.error} /> : null}
      <div className="sf-field">
        <label htmlFor={`${id}-name`}>Name{nameRequired ? <span className="req" aria-hidden="true"> *</span> : null}</label>
        <input id={`${id}-name`} type="text" required={nameRequired} maxLength={300} value={name} aria-invalid={invalid === 'name' ? true : undefined} aria-describedby={`${id}-name-hint`} onChange={(e) => setName(e.target.value)} />
        <p id={`${id}-name-hint`} className="hint">{nameRequired ? 'the function\'s name, unique in the account' : `optional: by default the ${info.one}'s name is taken from its config`}</p>
      </div>
      {who.account.isDelegatedAdmin && accounts.data && accounts.data.items.length > 1 ? (
        <div className="sf-field">
          <label htmlFor={`${id}-account`}>Account</label>
          <select id={`${id}-account`} value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            {accounts.data.items.map((a) => <option key={a.id} value={a.id}>{a.name}{a.isDelegatedAdmin ? ' (delegated admin)' : ''}</option>)}
          </select>
          <p className="hint">as the delegated admin you may register it for any account of the organization</p>
        </div>
      ) : null}
      {schema ? (
        <fieldset className="sf-config">
          <legend>{humanize(info.schema.replace(/Config$/, ''))} settings</legend>
          {fields.length ? <SchemaFields fields={fields} values={current} invalid={invalid} onChange={(k, v) => setValues({ ...current, [k]: v })} /> : <p className="hint">This kind has no settings.</p>}
        </fieldset>
      ) : (
        <div className="sf-field">
          <p className="error" role="note">This server's API document (/openapi.json) has no <code>{info.schema}</code> schema, so the console cannot build the form; enter the config as JSON.</p>
          <label htmlFor={`${id}-raw`}>Config (JSON)</label>
          <textarea id={`${id}-raw`} className="mono" rows={6} value={rawConfig} onChange={(e) => setRawConfig(e.target.value)} />
        </div>
      )}
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Registering…' : `Register ${info.one}`}</button>
        <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
      </div>
    </form>
  );
}

/** The absolute URL of an API path, as the registry or forge must be told it. */
function absolute(path: string): string {
  return new URL(path, window.location.origin).toString();
}

/** What the server shows once after registering: generated secrets, the endpoints, how to wire them. */
export function CreatedTargetPanel({ info, target, onDone }: { info: KindInfo; target: CreatedTarget; onDone: () => void }) {
  const secrets = Object.entries(target.secrets ?? {});
  const endpoints = Object.entries(target.endpoints ?? {});
  const hasSecrets = secrets.length > 0;
  const notifications = target.endpoints?.notifications;
  const token = target.secrets?.notificationToken;
  const webhook = target.endpoints?.webhook;
  const versions = target.endpoints?.versions;
  const body = (
    <>
      {secrets.map(([k, v]) => <CopyField key={k} label={humanize(k)} value={v} />)}
      {endpoints.map(([k, v]) => <CopyField key={k} label={`${humanize(k)} URL`} value={absolute(v)} />)}
      {notifications && token ? (
        <>
          <p>Point the registry's notifications at Vigil (Docker Distribution <code>config.yml</code>):</p>
          <CopyField
            label="Registry notifications configuration"
            multiline
            value={`notifications:\n  endpoints:\n    - name: vigil\n      url: ${absolute(notifications)}\n      headers:\n        Authorization: [Bearer ${token}]\n      timeout: 5s\n      threshold: 5\n      backoff: 10s\n      ignoredmediatypes: [application/octet-stream]\n`}
          />
        </>
      ) : null}
      {webhook ? (
        <p>GitHub: <em>Settings → Webhooks → Add webhook</em>, Payload URL as above, content type <code>application/json</code>, secret = the webhook secret. GitLab: <em>Settings → Webhooks</em>, the URL and the secret token.</p>
      ) : null}
      {versions ? (
        <CopyField label="Upload a version" multiline value={`curl -X POST -H "Authorization: Bearer $VIGIL_API_KEY" -H "Content-Type: application/zip" --data-binary @function.zip ${absolute(versions)}`} />
      ) : null}
    </>
  );
  if (hasSecrets) return <ShownOnce title={`${humanize(info.one)} registered: ${target.name}`} onDone={onDone} doneLabel="I have stored the secrets">{body}</ShownOnce>;
  return (
    <section className="card created" aria-label={`${info.one} registered`}>
      <h2>{humanize(info.one)} registered: {target.name}</h2>
      <p>Its first {info.kind === 'function' ? 'upload is awaited' : 'poll is queued'}; results appear below as its resources are scanned.</p>
      {body}
      <div className="form-actions"><button type="button" onClick={onDone}>Close</button></div>
    </section>
  );
}
