/**
 * FIRST EPSS daily scores (epss_scores-YYYY-MM-DD.csv[.gz]) → CveEnrichment with `epss`.
 * Format: https://www.first.org/epss/data_stats — a comment line
 * `#model_version:v2025.03.14,score_date:2025-11-16T12:55:00Z`, then `cve,epss,percentile`.
 * Files from before the comment line existed (early 2022 and older) start at the header; their
 * date then comes from the file name when it has one.
 */
import type { CveEnrichment } from '../../../../model/index.ts';
import type { AdvisoryFormat } from '../../types.ts';
import { isCveId, isDuplicate, isIsoDate, parseDecimal, readCsv, stripBom } from '../common.ts';

const HEADER = /^cve,epss,percentile\r?$/;
// newer files end the date in "Z", older ones in "+0000"
const COMMENT = /^#model_version:[^,]*,score_date:(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?\r?$/;
const FILE_DATE = /epss_scores-(\d{4}-\d{2}-\d{2})\.csv(?:\.gz)?$/;

export const epssFormat: AdvisoryFormat = {
  name: 'enrich/epss',
  kind: 'enrichment',
  detect(_path, head) {
    const lines = stripBom(head).split('\n', 2);
    if (lines[0].startsWith('#model_version:')) return HEADER.test(lines[1] ?? '');
    return HEADER.test(lines[0]);
  },
  parse(entry, out) {
    const data = entry.data;
    let start = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
    let date: string | undefined;
    if (data[start] === 0x23 /* # */) {
      const eol = data.indexOf(0x0a, start);
      const comment = data.subarray(start, eol === -1 ? data.length : eol).toString('utf8');
      const m = COMMENT.exec(comment);
      if (m && isIsoDate(m[1])) date = m[1];
      else out.error({ input: `${entry.path}:1`, rule: 'epss-comment', message: `unrecognized first line ${JSON.stringify(comment.slice(0, 120))}; scores kept without a date` });
      start = eol === -1 ? data.length : eol + 1;
    } else {
      const m = FILE_DATE.exec(entry.path);
      if (m && isIsoDate(m[1])) date = m[1];
    }

    const seen = new Set<string>();
    for (const { input, fields: f } of readCsv(entry, data, ['cve', 'epss', 'percentile'], out, start)) {
      if (!isCveId(f.cve)) {
        out.error({ input, rule: 'cve-id', message: `cve ${JSON.stringify(f.cve)} is not CVE-YYYY-NNNN` });
        continue;
      }
      // both are probabilities/fractions in [0, 1], written like 0.00043 (no exponent)
      const score = parseDecimal(f.epss, 0, 1);
      const percentile = parseDecimal(f.percentile, 0, 1);
      if (score === undefined || percentile === undefined) {
        const which = score === undefined ? `epss ${JSON.stringify(f.epss)}` : `percentile ${JSON.stringify(f.percentile)}`;
        out.error({ input, rule: 'epss-score', message: `${f.cve}: ${which} is not a number from 0 to 1` });
        continue;
      }
      if (isDuplicate(seen, f.cve, input, out)) continue;
      const epss: NonNullable<CveEnrichment['epss']> = { score, percentile };
      if (date) epss.date = date;
      out.enrich({ cve: f.cve, epss });
    }
  },
};
