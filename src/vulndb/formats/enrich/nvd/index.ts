/**
 * NVD CVE API 2.0 responses (and the NVD 2.0 JSON feeds, same shape) → CveEnrichment with CVSS
 * 3.x/4.0, CWEs, the English description and the CISA KEV fields NVD carries.
 * Format: https://nvd.nist.gov/developers/vulnerabilities, schema
 * https://csrc.nist.gov/schema/nvd/api/2.0/cve_api_json_2.0.schema
 */
import { z } from 'zod';
import type { CvssVersion } from '../../../../model/cvss.ts';
import type { CveEnrichment } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { checkCvss, isCveId, isDuplicate, isIsoDate, parseCweList, stripBom } from '../common.ts';

const LangString = z.object({ lang: z.string(), value: z.string() });

/** one entry of metrics.cvssMetricV31 etc.; checked one by one so that a bad one costs only itself */
const Metric = z.object({
  source: z.string().optional(),
  type: z.string().optional(),
  cvssData: z.object({ version: z.string().optional(), vectorString: z.string(), baseScore: z.unknown().optional() }),
});
type Metric = z.infer<typeof Metric>;

const Weakness = z.object({
  source: z.string().optional(),
  type: z.string().optional(),
  description: z.array(LangString),
});

const Cve = z.object({
  id: z.string(),
  vulnStatus: z.string().optional(),
  descriptions: z.array(LangString).optional(),
  metrics: z.object({
    cvssMetricV40: z.array(z.unknown()).optional(),
    cvssMetricV31: z.array(z.unknown()).optional(),
    cvssMetricV30: z.array(z.unknown()).optional(),
  }).optional(),
  weaknesses: z.array(z.unknown()).optional(),
  cisaExploitAdd: z.string().optional(),
  cisaActionDue: z.string().optional(),
  cisaRequiredAction: z.string().optional(),
  cisaVulnerabilityName: z.string().optional(),
});
type Cve = z.infer<typeof Cve>;
const Item = z.object({ cve: Cve });

const Response = z.object({
  format: z.literal('NVD_CVE'),
  version: z.string().regex(/^2\./, 'only the 2.x API shape is read'),
  vulnerabilities: z.array(z.unknown()),
});

/** NVD's placeholders in weaknesses: not CWE ids, and not errors either */
const NOT_A_CWE = new Set(['NVD-CWE-Other', 'NVD-CWE-noinfo']);

/**
 * Picks one metric: NVD's own analysis ("Primary") before CNA/ADP ones ("Secondary"), and within a
 * type the newer version (3.1 before 3.0). Every entry is checked so each bad one is reported;
 * the first that survives wins.
 */
function pickMetric(
  groups: { list: unknown[] | undefined; version: CvssVersion }[],
  input: string,
  cve: string,
  out: FormatOutput,
): { vector?: string; score?: number; source?: string } | undefined {
  const checked: { primary: boolean; vector?: string; score?: number; source?: string }[] = [];
  for (const { list, version } of groups) {
    (list ?? []).forEach((raw, i) => {
      const m = Metric.safeParse(raw);
      if (!m.success) {
        out.error({ input, rule: 'nvd-schema', message: `${cve}: CVSS ${version} metric [${i}]: ${z.prettifyError(m.error)}` });
        return;
      }
      const metric: Metric = m.data;
      const r = checkCvss(metric.cvssData.vectorString, metric.cvssData.baseScore, [version], input, out);
      if (r.vector !== undefined) checked.push({ primary: metric.type === 'Primary', ...r, source: metric.source });
    });
  }
  // stable sort: Primary first, otherwise the order of `groups`, then the file's order
  checked.sort((a, b) => Number(b.primary) - Number(a.primary));
  const best = checked[0];
  return best && { vector: best.vector, score: best.score, source: best.source };
}

function toEnrichment(cve: Cve, input: string, out: FormatOutput): CveEnrichment {
  const e: CveEnrichment = { cve: cve.id };
  const v3 = pickMetric([
    { list: cve.metrics?.cvssMetricV31, version: '3.1' },
    { list: cve.metrics?.cvssMetricV30, version: '3.0' },
  ], input, cve.id, out);
  if (v3) {
    e.cvss3Vector = v3.vector;
    if (v3.score !== undefined) e.cvss3Score = v3.score;
    if (v3.source) e.cvss3Source = v3.source;
  }
  const v4 = pickMetric([{ list: cve.metrics?.cvssMetricV40, version: '4.0' }], input, cve.id, out);
  if (v4) {
    e.cvss4Vector = v4.vector;
    if (v4.score !== undefined) e.cvss4Score = v4.score;
    if (v4.source) e.cvss4Source = v4.source;
  }

  // CWEs from every weakness entry, NVD's (Primary) first, each once
  const weaknesses: { primary: boolean; values: string[] }[] = [];
  (cve.weaknesses ?? []).forEach((raw, i) => {
    const w = Weakness.safeParse(raw);
    if (!w.success) {
      out.error({ input, rule: 'nvd-schema', message: `${cve.id}: weakness [${i}]: ${z.prettifyError(w.error)}` });
      return;
    }
    const values = w.data.description.filter((d) => d.lang === 'en' && !NOT_A_CWE.has(d.value)).map((d) => d.value);
    weaknesses.push({ primary: w.data.type === 'Primary', values });
  });
  weaknesses.sort((a, b) => Number(b.primary) - Number(a.primary));
  const cwes = parseCweList(weaknesses.flatMap((w) => w.values), input, out);
  if (cwes) e.cwes = cwes;

  const kevFields = cve.cisaExploitAdd ?? cve.cisaActionDue ?? cve.cisaRequiredAction ?? cve.cisaVulnerabilityName;
  if (kevFields !== undefined) {
    if (!isIsoDate(cve.cisaExploitAdd)) {
      out.error({ input, rule: 'date', message: `${cve.id}: cisaExploitAdd ${JSON.stringify(cve.cisaExploitAdd)} is not YYYY-MM-DD; KEV fields dropped` });
    } else {
      const kev: NonNullable<CveEnrichment['kev']> = { dateAdded: cve.cisaExploitAdd };
      if (isIsoDate(cve.cisaActionDue)) kev.dueDate = cve.cisaActionDue;
      else if (cve.cisaActionDue !== undefined) out.error({ input, rule: 'date', message: `${cve.id}: cisaActionDue ${JSON.stringify(cve.cisaActionDue)} is not YYYY-MM-DD` });
      if (cve.cisaVulnerabilityName) kev.name = cve.cisaVulnerabilityName;
      if (cve.cisaRequiredAction) kev.requiredAction = cve.cisaRequiredAction;
      e.kev = kev;
    }
  }

  const description = cve.descriptions?.find((d) => d.lang === 'en' && d.value.trim() !== '')?.value;
  if (description !== undefined) e.description = description;
  return e;
}

function parseResponse(entry: FormatEntry, out: FormatOutput): void {
  let doc: unknown;
  try {
    doc = JSON.parse(stripBom(entry.data.toString('utf8')));
  } catch (e) {
    out.error({ input: entry.path, rule: 'not-json', message: (e as Error).message });
    return;
  }
  const res = Response.safeParse(doc);
  if (!res.success) {
    out.error({ input: entry.path, rule: 'nvd-schema', message: z.prettifyError(res.error) });
    return;
  }
  const seen = new Set<string>();
  res.data.vulnerabilities.forEach((raw, i) => {
    const input = `${entry.path}:vulnerabilities[${i}]`;
    const item = Item.safeParse(raw);
    if (!item.success) {
      out.error({ input, rule: 'nvd-schema', message: z.prettifyError(item.error) });
      return;
    }
    const cve = item.data.cve;
    if (!isCveId(cve.id)) {
      out.error({ input, rule: 'cve-id', message: `id ${JSON.stringify(cve.id)} is not CVE-YYYY-NNNN` });
      return;
    }
    // Rejected CVEs keep only a "Rejected reason" description; like vulnrichment's REJECTED rows
    // they produce nothing (CveEnrichment cannot say "rejected").
    if (cve.vulnStatus === 'Rejected') return;
    if (isDuplicate(seen, cve.id, input, out)) return;
    const e = toEnrichment(cve, input, out);
    if (Object.keys(e).length > 1) out.enrich(e);
  });
}

export const nvdFormat: AdvisoryFormat = {
  name: 'enrich/nvd',
  kind: 'enrichment',
  detect(_path, head) {
    const h = stripBom(head).trimStart();
    return h.startsWith('{') && /"format"\s*:\s*"NVD_CVE"/.test(h);
  },
  parse: parseResponse,
};
