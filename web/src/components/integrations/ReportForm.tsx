/**
 * "Export report…": a findings report (Inspector's CreateFindingsReport) of the findings explorer's
 * current filter — format (CSV, JSON, OCSF, ASFF with its Security Hub account and region) and where it goes: kept by the server for download, a
 * directory on the server (under --allow-path), or an S3-compatible bucket (endpoint, region,
 * credentials, prefix, server-side encryption). POST /v1/findings-reports; the server's refusal is
 * shown under the field it names.
 */
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api.ts';
import { FINDINGS_REPORT_FORMATS, type ExportDestinationInput, type FindingsReport, type FindingsReportFormat } from '../../types.ts';
import { Card } from '../common.tsx';
import { FINDING_FILTERS } from '../findings/filters.ts';
import { fieldErrors } from './fields.tsx';

const FORMAT_LABELS: Record<FindingsReportFormat, string> = { csv: 'CSV (the findings export\'s columns)', json: 'JSON (an array of findings)', ocsf: 'OCSF 1.x Vulnerability Findings (JSON Lines)', asff: 'ASFF for AWS Security Hub ({"Findings": [...]})' };
type Where = 'download' | 'directory' | 's3';
const FIELDS = [
  'destination.bucket', 'destination.prefix', 'destination.region', 'destination.endpoint', 'destination.accessKeyId', 'destination.secretAccessKey',
  'destination.serverSideEncryption', 'destination.kmsKeyId', 'destination.path', 'destination', 'aws.accountId', 'aws.region', 'aws', 'format', 'filter',
] as const;

/** "Severity = CRITICAL, HIGH; Image in use = true" */
export function filterWords(filter: Record<string, unknown>): string {
  return Object.entries(filter).map(([k, v]) => `${FINDING_FILTERS.find((d) => d.key === k)?.label ?? k} = ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ');
}

export function ReportForm({ filter, onCreated, onCancel }: { filter: Record<string, string | string[]>; onCreated: (r: FindingsReport) => void; onCancel: () => void }) {
  const ids = useId();
  const [format, setFormat] = useState<FindingsReportFormat>('csv');
  const [where, setWhere] = useState<Where>('download');
  const [path, setPath] = useState('');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('');
  const [region, setRegion] = useState('us-east-1');
  const [endpoint, setEndpoint] = useState('');
  const [forcePathStyle, setForcePathStyle] = useState(false);
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [sse, setSse] = useState('');
  const [kmsKeyId, setKmsKeyId] = useState('');
  const [awsAccount, setAwsAccount] = useState('');
  const [awsRegion, setAwsRegion] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = fieldErrors(error, FIELDS);
  const id = (f: string) => `${ids}-${f.replace('destination.', '')}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const destination: ExportDestinationInput | undefined = where === 'download' ? undefined
      : where === 'directory' ? { kind: 'directory', path: path.trim() }
        : {
          kind: 's3', bucket: bucket.trim(), region: region.trim(), accessKeyId: accessKeyId.trim(), secretAccessKey,
          ...(prefix ? { prefix } : {}), ...(endpoint.trim() ? { endpoint: endpoint.trim() } : {}), ...(forcePathStyle ? { forcePathStyle } : {}),
          ...(sse ? { serverSideEncryption: sse } : {}), ...(sse === 'aws:kms' && kmsKeyId.trim() ? { kmsKeyId: kmsKeyId.trim() } : {}),
        };
    setBusy(true);
    setError(null);
    try {
      onCreated(await api<FindingsReport>('/v1/findings-reports', { method: 'POST', body: { filter, format, ...(format === 'asff' ? { aws: { accountId: awsAccount.trim(), region: awsRegion.trim() } } : {}), ...(destination ? { destination } : {}) } }));
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };
  const text = (f: string, label: string, value: string, set: (v: string) => void, o: { hint?: string; placeholder?: string; type?: string } = {}) => (
    <>
      <label htmlFor={id(f)}>{label}{o.hint ? <span className="hint">{o.hint}</span> : null}</label>
      <input id={id(f)} type={o.type ?? 'text'} value={value} placeholder={o.placeholder} autoComplete="off" onChange={(e) => set(e.target.value)}
        aria-invalid={fe.invalid(f) || undefined} aria-describedby={fe.invalid(f) ? `${id(f)}-err` : undefined} />
      {fe.at(f, `${id(f)}-err`)}
    </>
  );
  const words = filterWords(filter);
  return (
    <Card title="New findings report" className="finding-card">
      <p className="muted filter-words">Findings {words ? <>selected by <strong>{words}</strong></> : <>that are ACTIVE, in every account in sight (no filter)</>}.</p>
      {fe.at('filter')}
      <form className="stacked" aria-label="New findings report" onSubmit={submit} noValidate>
        <label htmlFor={id('format')}>Format</label>
        <select id={id('format')} value={format} onChange={(e) => setFormat(e.target.value as FindingsReportFormat)}>
          {FINDINGS_REPORT_FORMATS.map((f) => <option key={f} value={f}>{FORMAT_LABELS[f]}</option>)}
        </select>
        {fe.at('format')}
        {format === 'asff' ? (
          <fieldset>
            <legend>Security Hub</legend>
            {text('aws.accountId', 'AWS account ID', awsAccount, setAwsAccount, { placeholder: '123456789012', hint: 'the account the findings are imported into' })}
            {text('aws.region', 'AWS region', awsRegion, setAwsRegion, { placeholder: 'eu-west-1' })}
            {fe.at('aws')}
          </fieldset>
        ) : null}
        <fieldset className="check-row">
          <legend>Destination</legend>
          <label className="check"><input type="radio" name={`${ids}-where`} checked={where === 'download'} onChange={() => setWhere('download')} /> Keep for download (7 days)</label>
          <label className="check"><input type="radio" name={`${ids}-where`} checked={where === 'directory'} onChange={() => setWhere('directory')} /> A directory on the server</label>
          <label className="check"><input type="radio" name={`${ids}-where`} checked={where === 's3'} onChange={() => setWhere('s3')} /> An S3 bucket</label>
        </fieldset>
        {where === 'directory' ? text('destination.path', 'Directory', path, setPath, { hint: 'absolute, inside a directory the operator allows (vigil server --allow-path)', placeholder: '/srv/reports' }) : null}
        {where === 's3' ? (
          <fieldset>
            <legend>S3 bucket</legend>
            {text('destination.bucket', 'Bucket', bucket, setBucket, { placeholder: 'security-reports' })}
            {text('destination.prefix', 'Prefix (optional)', prefix, setPrefix, { hint: 'end it with / for a folder', placeholder: 'vigil/' })}
            {text('destination.region', 'Region', region, setRegion)}
            {text('destination.endpoint', 'Endpoint (optional)', endpoint, setEndpoint, { hint: 'an S3-compatible server (MinIO, Ceph…); empty: AWS S3', placeholder: 'https://minio.example.com', type: 'url' })}
            <label className="check"><input type="checkbox" checked={forcePathStyle} onChange={(e) => setForcePathStyle(e.target.checked)} /> Path-style URLs (endpoint/bucket/key)</label>
            {text('destination.accessKeyId', 'Access key ID', accessKeyId, setAccessKeyId)}
            {text('destination.secretAccessKey', 'Secret access key', secretAccessKey, setSecretAccessKey, { type: 'password', hint: 'sealed at rest, never shown' })}
            <label htmlFor={id('sse')}>Server-side encryption</label>
            <select id={id('sse')} value={sse} onChange={(e) => setSse(e.target.value)}>
              <option value="">the bucket's default</option>
              <option value="AES256">AES256 (S3-managed keys)</option>
              <option value="aws:kms">aws:kms</option>
            </select>
            {fe.at('destination.serverSideEncryption')}
            {sse === 'aws:kms' ? text('destination.kmsKeyId', 'KMS key (optional)', kmsKeyId, setKmsKeyId) : null}
          </fieldset>
        ) : null}
        {fe.at('destination')}
        {fe.rest}
        <div className="form-actions">
          <button type="button" onClick={onCancel} disabled={busy}>Cancel</button>
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Starting…' : 'Create report'}</button>
        </div>
      </form>
    </Card>
  );
}
