import type { CveEnrichment, OsvRecord } from '../../model/index.ts';
import type { AdvisoryFormat, FormatError, FormatOutput } from './types.ts';

/** Collects what a format emits, for tests. */
export function collect(): FormatOutput & { records: OsvRecord[]; enrichments: CveEnrichment[]; errors: FormatError[] } {
  const records: OsvRecord[] = [];
  const enrichments: CveEnrichment[] = [];
  const errors: FormatError[] = [];
  return {
    records, enrichments, errors,
    record: (r) => records.push(r),
    enrich: (e) => enrichments.push(e),
    error: (e) => errors.push(e),
  };
}

/** Runs one format over in-memory entries. */
export function runFormat(format: AdvisoryFormat, entries: { path: string; data: string | Buffer }[]) {
  const out = collect();
  for (const e of entries) format.parse({ path: e.path, data: Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data) }, out);
  return out;
}
