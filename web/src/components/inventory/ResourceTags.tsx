/**
 * A resource's key/value tags (issue 18: CIS scan configurations target resources by them), set
 * through the API or reported by the host's agent, with add and remove for roles that may operate.
 * Calls: GET /v1/resources/{id}/tags, PUT (adds or changes keys), DELETE ?keys= (removes keys).
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { useSession } from '../../session.tsx';
import type { ResourceTagsView } from '../../types.ts';
import { Card, ErrorMessage, Loading } from '../common.tsx';

export function ResourceTags({ resourceId, name }: { resourceId: string; name: string }) {
  const { can } = useSession();
  const qc = useQueryClient();
  const ids = useId();
  const path = `/v1/resources/${encodeURIComponent(resourceId)}/tags`;
  const tags = useQuery({ queryKey: ['resource', resourceId, 'tags'], queryFn: ({ signal }) => api<ResourceTagsView>(path, { signal }) });
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const write = async (f: () => Promise<ResourceTagsView>) => {
    setBusy(true);
    setError(null);
    try {
      qc.setQueryData(['resource', resourceId, 'tags'], await f());
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  };
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim()) return;
    if (await write(() => api<ResourceTagsView>(path, { method: 'PUT', body: { tags: { [key.trim()]: value.trim() } } }))) {
      setKey('');
      setValue('');
    }
  };
  const remove = (k: string) => void write(() => api<ResourceTagsView>(path, { method: 'DELETE', query: { keys: k } }));

  const entries = Object.entries(tags.data?.tags ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const existing = key.trim() && tags.data?.tags[key.trim()] !== undefined;
  return (
    <Card title="Key/value tags" className="spaced resource-tags">
      <p className="muted small">Set here or through the API, or reported by the host's agent (<code>vigil agent --tag key=value</code>); CIS scan configurations target resources by them.</p>
      {tags.isPending ? <Loading label="Loading the tags…" /> : null}
      <ErrorMessage error={tags.error} />
      {tags.data ? (
        entries.length ? (
          <ul className="kv-tags" aria-label={`Tags of ${name}`}>
            {entries.map(([k, v]) => (
              <li key={k} className="kv-tag" data-testid="kv-tag">
                <span className="mono"><span className="kv-key">{k}</span>={v === '' ? <span className="muted">(empty)</span> : <span>{v}</span>}</span>
                {can('operate') ? <button type="button" onClick={() => remove(k)} disabled={busy} aria-label={`Remove tag ${k}`}>×</button> : null}
              </li>
            ))}
          </ul>
        ) : <p className="muted">No key/value tags.</p>
      ) : null}
      {can('operate') ? (
        <form className="kv-add" aria-label="Add a tag" onSubmit={add}>
          <label htmlFor={`${ids}-k`}>Key</label>
          <input id={`${ids}-k`} value={key} maxLength={128} required onChange={(e) => { setKey(e.target.value); setError(null); }} />
          <label htmlFor={`${ids}-v`}>Value</label>
          <input id={`${ids}-v`} value={value} maxLength={256} onChange={(e) => setValue(e.target.value)} />
          <button type="submit" className="primary" disabled={busy || !key.trim()}>{existing ? 'Change tag' : 'Add tag'}</button>
        </form>
      ) : null}
      <ErrorMessage error={error} />
    </Card>
  );
}
