import type { AdvisoryFormat } from '../../types.ts';
import { parseSecdb, type SecdbOptions } from './parse.ts';

export { parseSecdb, parseSecfixItem, type SecdbOptions, type SecfixItem } from './parse.ts';

/**
 * `modified` used by {@link alpineSecdbFormat}: secdb carries no dates and a pure parser may not
 * read the clock, so this is a fixed constant — the commit date of the newest secdb snapshot the
 * parser was checked against (alpine-secdb 06f6e960, 2020-06-08). Importers that know when they
 * fetched the files (HTTP Last-Modified, git commit date) should pass that to
 * {@link createAlpineSecdbFormat} instead.
 */
export const ALPINE_SECDB_DEFAULT_MODIFIED = '2020-06-08T00:00:00Z';

const PATH = /(^|\/)(v\d+\.\d+|edge)\/(main|community|testing)\.(ya?ml|json)$/;

/**
 * Alpine secdb (YAML or JSON) as a format: `ALPINE-<CVE>` records, ecosystem "Alpine:v3.x",
 * package = origin name. Records of one CVE from several branch files are merged by the pipeline
 * (`mergeById`). See README.md.
 */
export function createAlpineSecdbFormat(opts: Partial<SecdbOptions> = {}): AdvisoryFormat {
  const options: SecdbOptions = { modified: opts.modified ?? ALPINE_SECDB_DEFAULT_MODIFIED };
  return {
    name: 'alpine/secdb',
    kind: 'advisories',
    mergeById: true,
    detect(path, head) {
      if (PATH.test(path)) return true;
      // YAML `distroversion: v3.11` or JSON `"distroversion": "v3.11"`, together with the secdb keys
      return /(^|\n|[{,]\s*)"?distroversion"?\s*:/.test(head) && /"?(reponame|apkurl|secfixes)"?\s*:/.test(head);
    },
    parse(entry, out) {
      parseSecdb(entry.path, entry.data.toString('utf8'), options, out);
    },
  };
}

/** {@link createAlpineSecdbFormat} with the default `modified`. */
export const alpineSecdbFormat: AdvisoryFormat = createAlpineSecdbFormat();
