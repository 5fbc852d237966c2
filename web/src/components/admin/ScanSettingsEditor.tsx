/**
 * Scan settings (mode, rescan duration, what it counts from, auto-enable), of the organization or
 * of one account: a form generated from the API's `ScanSettings` schema for those who may change
 * them, a read-only list for everyone else.
 */
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { ScanSettings } from '../../types.ts';
import { ErrorMessage, Fields, Loading } from '../common.tsx';
import { componentSchema, errorField, fieldsOf, humanize, initialValues, SchemaFields, useOpenApi, valuesToObject, type FormValues } from './SchemaForm.tsx';

/** What each setting means, beside the schema's own description. */
export const SCAN_SETTING_HINTS: Record<string, ReactNode> = {
  mode: 'basic: operating-system packages, scanned on push; enhanced: operating-system and language packages, rescanned continuously as advisories change.',
  rescanDuration: 'How long an image stays eligible for rescans (lifetime: always).',
  rescanFrom: "The rescan duration counts from the image's push date or from its last pull.",
};

export function ScanSettingsEditor({ value, editable, onSave, hints, formLabel }: {
  value: ScanSettings | undefined;
  editable: boolean;
  onSave: (s: ScanSettings) => Promise<unknown>;
  hints?: Record<string, ReactNode>;
  /** the form's accessible name */
  formLabel: string;
}) {
  const doc = useOpenApi();
  const schema = componentSchema(doc.data, 'ScanSettings');
  const fields = useMemo(() => (schema ? fieldsOf(schema, doc.data) : []), [schema, doc.data]);
  const [values, setValues] = useState<FormValues | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const allHints = { ...SCAN_SETTING_HINTS, ...hints };
  // a new value from the server (after a save, or another account chosen) resets the form
  useEffect(() => setValues(null), [value]);
  useEffect(() => {
    if (!saved) return;
    const t = setTimeout(() => setSaved(false), 4000);
    return () => clearTimeout(t);
  }, [saved]);

  if (!value) return <Loading />;
  if (!editable || !schema) {
    return (
      <>
        <Fields items={Object.entries(value).map(([k, v]): [string, ReactNode] => [humanize(k), typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v)])} />
        <ul className="hints">
          {Object.keys(value).filter((k) => allHints[k]).map((k) => <li key={k}><strong>{humanize(k)}</strong>: {allHints[k]}</li>)}
        </ul>
        {editable && !schema && doc.isPending ? <Loading label="Reading the API's schemas…" /> : null}
      </>
    );
  }
  const current = values ?? initialValues(fields, value as unknown as Record<string, unknown>);
  const dirty = values !== null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await onSave(valuesToObject(fields, current) as unknown as ScanSettings);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="stacked scan-settings" aria-label={formLabel} onSubmit={submit}>
      <SchemaFields fields={fields} values={current} hints={allHints} invalid={errorField(error, 'scanSettings')} onChange={(k, v) => { setSaved(false); setValues({ ...current, [k]: v }); }} />
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || !dirty}>{busy ? 'Saving…' : 'Save scan settings'}</button>
        {dirty ? <button type="button" onClick={() => { setValues(null); setError(null); }} disabled={busy}>Reset</button> : null}
        <span role="status" className="saved">{saved ? 'Saved.' : ''}</span>
      </div>
    </form>
  );
}
