/**
 * "Export SBOMs" for the resources the current filter selects: an SBOM export job
 * (POST /v1/sbom-exports, Inspector's CreateSbomExport), polled (GET /v1/sbom-exports/{id}) until
 * it succeeds or fails, then a download link to the zip (one document per resource).
 */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api.ts';
import { formatBytes, formatCount, formatTime } from '../../format.ts';
import type { Page, Resource, SbomExport, SbomFormat } from '../../types.ts';
import { ErrorMessage } from '../common.tsx';
import { SBOM_FORMATS } from './parts.tsx';

/** The resources page's filters, as in its URL (GET /v1/resources query). */
export type ResourceFilter = Record<string, string | string[]>;

/** the most resources an export job takes (SBOM_EXPORT_MAX_RESOURCES in src/engine/sbom.ts) */
const MAX_LISTED = 1000;

/**
 * The export job's `filter` for the page's filter (type and status may be lists), or null when the
 * job's filter cannot say it (a reason code, images in use): the resources are then listed by id.
 */
export function exportFilter(f: ResourceFilter): Record<string, string | string[]> | null {
  if (f.coverageReason !== undefined || f.inUse !== undefined) return null;
  const out: Record<string, string | string[]> = {};
  const pairs: [string, string][] = [['type', 'resourceType'], ['accountId', 'accountId'], ['name', 'name'], ['coverageStatus', 'coverageStatus']];
  for (const [from, to] of pairs) if (f[from] !== undefined) out[to] = f[from];
  return out;
}

async function listIds(f: ResourceFilter): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page: Page<Resource> = await api<Page<Resource>>('/v1/resources', { query: { ...f, limit: 500, cursor } });
    ids.push(...page.items.map((r) => r.id));
    if (ids.length > MAX_LISTED) throw new Error(`a filter on the coverage reason or on images in use is sent as a list of resources, at most ${MAX_LISTED}; this one selects more: narrow it, or remove that filter`);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

export function SbomExportPanel({ filter, onClose }: { filter: ResourceFilter; onClose: () => void }) {
  const id = useId();
  const [format, setFormat] = useState<SbomFormat>('cyclonedx');
  const [jobId, setJobId] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () => {
      const asFilter = exportFilter(filter);
      const body = asFilter ? { format, filter: asFilter } : { format, resourceIds: await listIds(filter) };
      if (!asFilter && !body.resourceIds?.length) throw new Error('the filter selects no resources');
      return api<{ id: string; status: string }>('/v1/sbom-exports', { method: 'POST', body });
    },
    onSuccess: (r) => setJobId(r.id),
  });
  const job = useQuery({
    queryKey: ['sbom-export', jobId],
    queryFn: () => api<SbomExport>(`/v1/sbom-exports/${encodeURIComponent(jobId!)}`),
    enabled: jobId !== null,
    // poll until the job is done
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'SUCCEEDED' || q.state.data.status === 'FAILED') ? false : 1000),
    staleTime: 0,
  });
  const j = job.data;
  const filterWords = Object.entries(filter).map(([k, v]) => `${k} = ${Array.isArray(v) ? v.join(', ') : v}`).join('; ');
  return (
    <section className="card export-panel" aria-labelledby={`${id}-h`}>
      <div className="card-header">
        <h2 id={`${id}-h`}>Export SBOMs</h2>
        <button type="button" className="link" onClick={onClose}>Close</button>
      </div>
      <p className="muted">One SBOM per resource {filterWords ? <>selected by <strong>{filterWords}</strong></> : <>(every resource in sight)</>}, in one zip.</p>
      <form className="inline-form" onSubmit={(e) => { e.preventDefault(); setJobId(null); create.mutate(); }}>
        <label htmlFor={`${id}-format`}>Format</label>
        <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value as SbomFormat)}>
          {SBOM_FORMATS.map((f) => <option key={f.format} value={f.format}>{f.label}</option>)}
        </select>
        <button type="submit" className="primary" disabled={create.isPending || (j !== undefined && (j.status === 'QUEUED' || j.status === 'IN_PROGRESS'))}>
          {create.isPending ? 'Starting…' : 'Start export'}
        </button>
      </form>
      <ErrorMessage error={create.error} />
      <ErrorMessage error={job.error} />
      <div role="status" aria-live="polite">
        {jobId && !j ? <p>Export {jobId} started…</p> : null}
        {j ? (
          <p className="export-status">
            Export <code>{j.id}</code>: <strong className={j.status === 'FAILED' ? 'status-bad' : j.status === 'SUCCEEDED' ? 'status-ok' : undefined}>{j.status}</strong>
            {' · '}{formatCount(j.resources)} resource{j.resources === 1 ? '' : 's'}
            {j.completedAt ? <> · finished {formatTime(j.completedAt)}</> : null}
            {j.status === 'SUCCEEDED' ? (
              <>
                {' · '}<a href={j.downloadUrl ?? `/v1/sbom-exports/${encodeURIComponent(j.id)}/download`} download>Download zip{j.size !== undefined ? ` (${formatBytes(j.size)})` : ''}</a>
                {j.expiresAt ? <span className="muted small"> · kept until {formatTime(j.expiresAt)}</span> : null}
              </>
            ) : null}
          </p>
        ) : null}
        {j?.status === 'FAILED' && j.error ? <div className="error">{j.error}</div> : null}
      </div>
    </section>
  );
}
