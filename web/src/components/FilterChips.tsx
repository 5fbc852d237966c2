/**
 * Filters as chips, kept in the URL: every active filter is a removable chip, and "Add filter"
 * picks a field and a value. Changing a filter drops the page cursor (a cursor belongs to its filter).
 */
import { useId, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';

export interface FilterDef {
  /** the API's query parameter */
  key: string;
  label: string;
  kind: 'enum' | 'text' | 'date' | 'bool';
  /** enum values */
  options?: readonly string[];
  /** several values allowed (the API takes repeated parameters) */
  multi?: boolean;
  placeholder?: string;
}

/** Parameters that are not filters (paging, sorting, grouping, view state). */
const NOT_FILTERS = new Set(['cursor', 'pages', 'sort', 'group', 'view']);

/** The filters in the URL, as the API's query (lists for repeated parameters). */
export function useFilters(defs: readonly FilterDef[]) {
  const [params, setParams] = useSearchParams();
  const query: Record<string, string | string[]> = {};
  for (const d of defs) {
    const v = params.getAll(d.key).filter(Boolean);
    if (v.length) query[d.key] = d.multi ? v : v[0];
  }
  const update = (fn: (p: URLSearchParams) => void) => {
    const p = new URLSearchParams(params);
    fn(p);
    p.delete('cursor');
    p.delete('pages');
    setParams(p);
  };
  return {
    query,
    add: (key: string, value: string) => update((p) => {
      const d = defs.find((x) => x.key === key);
      if (d?.multi) {
        if (!p.getAll(key).includes(value)) p.append(key, value);
      } else p.set(key, value);
    }),
    remove: (key: string, value?: string) => update((p) => {
      if (value === undefined) p.delete(key);
      else {
        const rest = p.getAll(key).filter((v) => v !== value);
        p.delete(key);
        for (const v of rest) p.append(key, v);
      }
    }),
    clear: () => update((p) => {
      for (const k of [...p.keys()]) if (!NOT_FILTERS.has(k)) p.delete(k);
    }),
  };
}

export function FilterChips({ defs, filters }: { defs: readonly FilterDef[]; filters: ReturnType<typeof useFilters> }) {
  const [key, setKey] = useState(defs[0]?.key ?? '');
  const [value, setValue] = useState('');
  const id = useId();
  const def = defs.find((d) => d.key === key);
  const chips = defs.flatMap((d) => {
    const v = filters.query[d.key];
    return (Array.isArray(v) ? v : v ? [v] : []).map((x) => ({ d, x }));
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!def || !value.trim()) return;
    filters.add(def.key, value.trim());
    setValue('');
  };
  return (
    <div className="filters">
      <ul className="chips" aria-label="Active filters">
        {chips.map(({ d, x }) => (
          <li key={`${d.key}=${x}`} className="chip">
            <span>{d.label}: <strong>{x}</strong></span>
            <button type="button" aria-label={`Remove filter ${d.label} ${x}`} onClick={() => filters.remove(d.key, d.multi ? x : undefined)}>×</button>
          </li>
        ))}
        {chips.length ? <li><button type="button" className="link" onClick={filters.clear}>Clear all</button></li> : null}
      </ul>
      <form className="add-filter" onSubmit={submit}>
        <label htmlFor={`${id}-field`} className="visually-hidden">Filter field</label>
        <select id={`${id}-field`} value={key} onChange={(e) => { setKey(e.target.value); setValue(''); }}>
          {defs.map((d) => <option key={d.key} value={d.key}>{d.label}</option>)}
        </select>
        <label htmlFor={`${id}-value`} className="visually-hidden">Filter value</label>
        {def?.kind === 'enum' || def?.kind === 'bool' ? (
          <select id={`${id}-value`} value={value} onChange={(e) => setValue(e.target.value)}>
            <option value="">choose…</option>
            {(def.kind === 'bool' ? ['true', 'false'] : def.options ?? []).map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        ) : (
          <input id={`${id}-value`} type={def?.kind === 'date' ? 'date' : 'text'} value={value} placeholder={def?.placeholder ?? 'value'} onChange={(e) => setValue(e.target.value)} />
        )}
        <button type="submit">Add filter</button>
      </form>
    </div>
  );
}
