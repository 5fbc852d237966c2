/**
 * CISA Known Exploited Vulnerabilities catalog, JSON or CSV → CveEnrichment with `kev` (and `cwes`).
 * Format: https://www.cisa.gov/known-exploited-vulnerabilities-catalog (schema:
 * https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities_schema.json).
 */
import { z } from 'zod';
import type { CveEnrichment } from '../../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../../types.ts';
import { isCveId, isDuplicate, isIsoDate, parseCweList, readCsv, stripBom } from '../common.ts';

/** one catalog entry, as the published schema requires it (strings only; values checked below) */
const KevItem = z.object({
  cveID: z.string(),
  vendorProject: z.string(),
  product: z.string(),
  vulnerabilityName: z.string(),
  dateAdded: z.string(),
  shortDescription: z.string(),
  requiredAction: z.string(),
  dueDate: z.string(),
  knownRansomwareCampaignUse: z.string().optional(),
  notes: z.string().optional(),
  cwes: z.array(z.string()).optional(),
});
type KevItem = z.infer<typeof KevItem>;

const KevCatalog = z.object({
  catalogVersion: z.string(),
  count: z.number().int().optional(),
  vulnerabilities: z.array(z.unknown()),
});

/** CSV columns that must be there; `cwes` (added 2024) and `notes` are optional */
const CSV_REQUIRED = ['cveID', 'vendorProject', 'product', 'vulnerabilityName', 'dateAdded', 'shortDescription', 'requiredAction', 'dueDate'];

/**
 * One item → enrichment, or undefined after reporting why. The CVE id and dateAdded are required;
 * a bad dueDate is reported and dropped; bad CWE tokens are reported and dropped.
 */
function toEnrichment(item: KevItem, cwes: string | string[] | undefined, input: string, out: FormatOutput): CveEnrichment | undefined {
  if (!isCveId(item.cveID)) {
    out.error({ input, rule: 'cve-id', message: `cveID ${JSON.stringify(item.cveID)} is not CVE-YYYY-NNNN` });
    return undefined;
  }
  if (!isIsoDate(item.dateAdded)) {
    out.error({ input, rule: 'date', message: `${item.cveID}: dateAdded ${JSON.stringify(item.dateAdded)} is not YYYY-MM-DD` });
    return undefined;
  }
  const kev: NonNullable<CveEnrichment['kev']> = { dateAdded: item.dateAdded };
  if (isIsoDate(item.dueDate)) kev.dueDate = item.dueDate;
  else if (item.dueDate !== '') out.error({ input, rule: 'date', message: `${item.cveID}: dueDate ${JSON.stringify(item.dueDate)} is not YYYY-MM-DD` });
  // empty strings carry nothing; leave the field out so a merge keeps what another source said
  if (item.vendorProject) kev.vendorProject = item.vendorProject;
  if (item.product) kev.product = item.product;
  if (item.vulnerabilityName) kev.name = item.vulnerabilityName;
  if (item.requiredAction) kev.requiredAction = item.requiredAction;
  if (item.knownRansomwareCampaignUse) kev.knownRansomwareCampaignUse = item.knownRansomwareCampaignUse;
  const e: CveEnrichment = { cve: item.cveID, kev };
  const list = cwes === undefined ? undefined : parseCweList(cwes, input, out);
  if (list) e.cwes = list;
  return e;
}

function parseJson(entry: FormatEntry, text: string, out: FormatOutput): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    out.error({ input: entry.path, rule: 'not-json', message: (e as Error).message });
    return;
  }
  const catalog = KevCatalog.safeParse(doc);
  if (!catalog.success) {
    out.error({ input: entry.path, rule: 'kev-schema', message: z.prettifyError(catalog.error) });
    return;
  }
  const { vulnerabilities, count } = catalog.data;
  if (count !== undefined && count !== vulnerabilities.length) {
    out.error({ input: entry.path, rule: 'kev-count', message: `count says ${count}, vulnerabilities holds ${vulnerabilities.length}` });
  }
  const seen = new Set<string>();
  vulnerabilities.forEach((raw, i) => {
    const input = `${entry.path}:vulnerabilities[${i}]`;
    const item = KevItem.safeParse(raw);
    if (!item.success) {
      out.error({ input, rule: 'kev-schema', message: z.prettifyError(item.error) });
      return;
    }
    const e = toEnrichment(item.data, item.data.cwes, input, out);
    if (e && !isDuplicate(seen, e.cve, input, out)) out.enrich(e);
  });
}

function parseCsv(entry: FormatEntry, out: FormatOutput): void {
  const seen = new Set<string>();
  for (const row of readCsv(entry, entry.data, CSV_REQUIRED, out)) {
    const f = row.fields;
    const item: KevItem = {
      cveID: f.cveID, vendorProject: f.vendorProject, product: f.product, vulnerabilityName: f.vulnerabilityName,
      dateAdded: f.dateAdded, shortDescription: f.shortDescription, requiredAction: f.requiredAction,
      dueDate: f.dueDate, knownRansomwareCampaignUse: f.knownRansomwareCampaignUse,
    };
    const e = toEnrichment(item, f.cwes, row.input, out);
    if (e && !isDuplicate(seen, e.cve, row.input, out)) out.enrich(e);
  }
}

export const kevFormat: AdvisoryFormat = {
  name: 'enrich/kev',
  kind: 'enrichment',
  detect(_path, head) {
    const h = stripBom(head);
    if (h.startsWith('cveID,vendorProject,')) return true;
    // the catalog itself, not its JSON Schema (published beside it, also naming "catalogVersion")
    return h.trimStart().startsWith('{') && /"catalogVersion"\s*:\s*"/.test(h) && !/"\$schema"\s*:/.test(h);
  },
  parse(entry, out) {
    const text = stripBom(entry.data.toString('utf8'));
    if (text.trimStart().startsWith('{')) parseJson(entry, text, out);
    else parseCsv(entry, out);
  },
};
