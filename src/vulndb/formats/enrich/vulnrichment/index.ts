/**
 * The compact per-CVE table extracted from CISA Vulnrichment (vulndata's
 * cvss-cwe-ssvc-vulnrichment.csv[.gz]) → CveEnrichment with CVSS 3.x/4.0, CWEs and SSVC.
 * Upstream: https://github.com/cisagov/vulnrichment (CVE JSON 5 records with CISA-ADP containers).
 */
import type { CveEnrichment } from '../../../../model/index.ts';
import type { AdvisoryFormat } from '../../types.ts';
import { checkCvss, isCveId, isDuplicate, parseCweList, readCsv, stripBom } from '../common.ts';

const COLUMNS = [
  'cve_id', 'state', 'date_published', 'date_updated',
  'cvss3_vector', 'cvss3_base_score', 'cvss3_source',
  'cvss4_vector', 'cvss4_base_score', 'cvss4_source',
  'cwe_ids', 'ssvc_exploitation', 'ssvc_automatable', 'ssvc_technical_impact',
];

/**
 * SSVC decision points as CISA's ADP writes them (https://certcc.github.io/SSVC/). The data mixes
 * cases ("Total", "PoC", "None"), so values are lower-cased before the check.
 */
const SSVC = {
  exploitation: { column: 'ssvc_exploitation', values: ['none', 'poc', 'active'] },
  automatable: { column: 'ssvc_automatable', values: ['no', 'yes'] },
  technicalImpact: { column: 'ssvc_technical_impact', values: ['partial', 'total'] },
} as const;

export const vulnrichmentFormat: AdvisoryFormat = {
  name: 'enrich/vulnrichment',
  kind: 'enrichment',
  detect(_path, head) {
    return stripBom(head).startsWith('cve_id,state,');
  },
  parse(entry, out) {
    const seen = new Set<string>();
    for (const { input, fields: f } of readCsv(entry, entry.data, COLUMNS, out)) {
      if (!isCveId(f.cve_id)) {
        out.error({ input, rule: 'cve-id', message: `cve_id ${JSON.stringify(f.cve_id)} is not CVE-YYYY-NNNN` });
        continue;
      }
      // REJECTED CVEs carry no data (all columns empty in the real file) and CveEnrichment has no
      // way to say "rejected": nothing is emitted for them. Rejection reaches Vigil through the
      // advisory sources (OSV `withdrawn`), not through enrichment.
      if (f.state === 'REJECTED') continue;
      if (f.state !== 'PUBLISHED') {
        out.error({ input, rule: 'cve-state', message: `${f.cve_id}: state ${JSON.stringify(f.state)} is neither PUBLISHED nor REJECTED` });
        continue;
      }
      if (isDuplicate(seen, f.cve_id, input, out)) continue;

      const e: CveEnrichment = { cve: f.cve_id };
      const v3 = checkCvss(f.cvss3_vector, f.cvss3_base_score, ['3.0', '3.1'], input, out);
      if (v3.vector !== undefined) e.cvss3Vector = v3.vector;
      if (v3.score !== undefined) e.cvss3Score = v3.score;
      if ((v3.vector ?? v3.score) !== undefined && f.cvss3_source) e.cvss3Source = f.cvss3_source;
      const v4 = checkCvss(f.cvss4_vector, f.cvss4_base_score, ['4.0'], input, out);
      if (v4.vector !== undefined) e.cvss4Vector = v4.vector;
      if (v4.score !== undefined) e.cvss4Score = v4.score;
      if ((v4.vector ?? v4.score) !== undefined && f.cvss4_source) e.cvss4Source = f.cvss4_source;
      const cwes = parseCweList(f.cwe_ids, input, out);
      if (cwes) e.cwes = cwes;

      const ssvc: NonNullable<CveEnrichment['ssvc']> = {};
      for (const [key, { column, values }] of Object.entries(SSVC) as [keyof typeof SSVC, (typeof SSVC)[keyof typeof SSVC]][]) {
        const raw = f[column];
        if (raw === '') continue;
        const v = raw.toLowerCase();
        if ((values as readonly string[]).includes(v)) ssvc[key] = v;
        else out.error({ input, rule: 'ssvc-value', message: `${f.cve_id}: ${column} ${JSON.stringify(raw)} is not one of ${values.join(', ')}` });
      }
      if (Object.keys(ssvc).length > 0) e.ssvc = ssvc;

      // a row with nothing usable left says nothing: skip it rather than emit a bare id
      if (Object.keys(e).length > 1) out.enrich(e);
    }
  },
};
