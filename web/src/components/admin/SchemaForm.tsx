/**
 * Forms generated from the API's own JSON schemas (`/openapi.json`, the shape zod emits:
 * properties, required, type, enum, default, description, format, anyOf). The target forms read
 * `RegistryConfig`, `HostConfig`, … from there, so a field added to a config on the server appears
 * in the console without a console change. One renderer for every field kind: text, password
 * (secrets), number, checkbox, select (enum), list of strings (one per line), JSON (anything else).
 */
import { useQuery } from '@tanstack/react-query';
import { useId, type ReactNode } from 'react';
import { api } from '../../api.ts';
import type { FieldSpec, FormValues, OpenApiDocument } from './schema.ts';

export * from './schema.ts';

/** The server's OpenAPI document (public, unchanging while the server runs: fetched once). */
export function useOpenApi() {
  return useQuery({ queryKey: ['openapi'], queryFn: () => api<OpenApiDocument>('/openapi.json'), staleTime: Infinity });
}

function hintOf(f: FieldSpec): string | null {
  const parts: string[] = [];
  if (f.description) parts.push(f.description);
  if (f.kind === 'list') parts.push('one per line');
  if (f.kind === 'number' && !f.description && (f.min !== undefined || f.max !== undefined)) parts.push(`${f.min ?? '…'} to ${f.max ?? '…'}`);
  if (f.default !== undefined && f.kind !== 'boolean' && f.kind !== 'enum' && !/default/i.test(f.description ?? '')) parts.push(`default ${String(f.default)}`);
  return parts.length ? parts.join(' · ') : null;
}

export interface SchemaFieldsProps {
  fields: FieldSpec[];
  values: FormValues;
  onChange: (name: string, value: string | boolean) => void;
  /** the field an error names, marked invalid */
  invalid?: string | null;
  /** extra help per field, after the schema's description */
  hints?: Record<string, ReactNode>;
  disabled?: boolean;
}

/** The inputs of a generated form (the caller owns the <form> and its buttons). */
export function SchemaFields({ fields, values, onChange, invalid, hints, disabled }: SchemaFieldsProps) {
  const id = useId();
  return (
    <div className="sf-fields">
      {fields.map((f) => {
        const fid = `${id}-${f.name}`;
        const hint = hintOf(f);
        const extra = hints?.[f.name];
        const describedBy = hint || extra ? `${fid}-hint` : undefined;
        const common = { id: fid, name: f.name, disabled, 'aria-invalid': invalid === f.name ? true : undefined, 'aria-describedby': describedBy };
        const v = values[f.name];
        const text = typeof v === 'string' ? v : '';
        let control: ReactNode;
        switch (f.kind) {
          case 'boolean':
            control = <input {...common} type="checkbox" checked={v === true} onChange={(e) => onChange(f.name, e.target.checked)} />;
            break;
          case 'enum':
            control = (
              <select {...common} required={f.required} value={text} onChange={(e) => onChange(f.name, e.target.value)}>
                {f.required && f.default !== undefined ? null : <option value="">{f.required ? 'choose…' : '(not set)'}</option>}
                {f.options?.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            );
            break;
          case 'number':
            control = <input {...common} type="number" inputMode="numeric" required={f.required} min={f.min} max={f.max} step={f.integer ? 1 : 'any'} value={text} onChange={(e) => onChange(f.name, e.target.value)} />;
            break;
          case 'secret':
            control = <input {...common} type="password" autoComplete="new-password" spellCheck={false} required={f.required} minLength={f.minLength} maxLength={f.maxLength} value={text} onChange={(e) => onChange(f.name, e.target.value)} />;
            break;
          case 'secret-multiline':
            control = <textarea {...common} className="secret-text" rows={4} autoComplete="off" spellCheck={false} required={f.required} maxLength={f.maxLength} value={text} onChange={(e) => onChange(f.name, e.target.value)} />;
            break;
          case 'multiline':
          case 'list':
          case 'json':
            control = <textarea {...common} className={f.kind === 'json' ? 'mono' : undefined} rows={f.kind === 'multiline' ? 4 : 3} spellCheck={false} required={f.required} value={text} onChange={(e) => onChange(f.name, e.target.value)} />;
            break;
          default:
            control = <input {...common} type="text" spellCheck={false} required={f.required} minLength={f.minLength} maxLength={f.maxLength} value={text} onChange={(e) => onChange(f.name, e.target.value)} />;
        }
        const label = (
          <label htmlFor={fid}>
            {f.label}
            {f.required && f.kind !== 'boolean' ? <span className="req" aria-hidden="true"> *</span> : null}
            {f.required && f.kind !== 'boolean' ? <span className="visually-hidden"> (required)</span> : null}
            {f.kind === 'secret' || f.kind === 'secret-multiline' ? <span className="secret-tag">secret</span> : null}
          </label>
        );
        return (
          <div key={f.name} className={`sf-field${f.kind === 'boolean' ? ' sf-check' : ''}${invalid === f.name ? ' sf-invalid' : ''}`}>
            {f.kind === 'boolean' ? <>{control}{label}</> : <>{label}{control}</>}
            {describedBy ? <p id={`${fid}-hint`} className="hint">{hint}{hint && extra ? ' ' : null}{extra}</p> : null}
          </div>
        );
      })}
    </div>
  );
}
