/**
 * OSV JSON records: osv.dev's bulk exports (`<Ecosystem>/all.zip`, one `<ID>.json` per record),
 * directories of OSV files (advisory-database checkouts), single records. YAML files that are OSV
 * records (as in pypa/advisory-database) are read too.
 */
import { parseYaml } from '../../../model/yaml.ts';
import { checkNesting, VigilError, type OsvRecord } from '../../../model/index.ts';
import type { AdvisoryFormat, FormatEntry, FormatOutput } from '../types.ts';
import { describeIssues, osvRecordSchema } from './schema.ts';

const OTHER_JSON = /"catalogVersion"|"NVD_CVE"|"module_name"|"vulnerabilities"\s*:\s*\[/;

export const osvFormat: AdvisoryFormat = {
  name: 'osv',
  kind: 'advisories',
  detect(path, head) {
    if (/\.json$/i.test(path)) {
      // the pipeline offers entries to the specific formats first; an OSV record is a JSON object named
      // after its id (osv.dev's exports, advisory-database checkouts) or showing "id" and "modified" early
      if (!/^\s*\{/.test(head) || OTHER_JSON.test(head)) return false;
      const base = path.slice(path.lastIndexOf('/') + 1);
      return /^[A-Z][A-Za-z0-9]*-[^/\s]+\.json$/.test(base) || (/"id"\s*:\s*"/.test(head) && /"modified"\s*:/.test(head));
    }
    if (/\.ya?ml$/i.test(path)) return /^id:\s*\S/m.test(head) && /^modified:\s*\S/m.test(head);
    return false;
  },
  parse(entry: FormatEntry, out: FormatOutput) {
    let raw: unknown;
    const text = entry.data.toString('utf8');
    try {
      raw = /\.ya?ml$/i.test(entry.path) ? parseYaml(text, entry.path, { schema: 'core' }).value : JSON.parse(text);
      // records are stored and re-serialized by recursive code (key sorting, JSON.stringify)
      checkNesting(raw, entry.path);
    } catch (err) {
      const rule = err instanceof VigilError && err.rule === 'nesting-depth' ? err.rule : /\.ya?ml$/i.test(entry.path) ? 'not-yaml' : 'not-json';
      out.error({ input: entry.path, rule, message: (err as Error).message.split('\n')[0] });
      return;
    }
    const result = osvRecordSchema.safeParse(raw);
    if (!result.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'string' ? ` (${(raw as { id: string }).id})` : '';
      out.error({ input: entry.path + id, rule: 'osv-schema', message: describeIssues(result.error) });
      return;
    }
    out.record(result.data as OsvRecord);
  },
};
