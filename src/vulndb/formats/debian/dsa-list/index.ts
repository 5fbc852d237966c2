import type { AdvisoryFormat } from '../../types.ts';
import { parseDsaList } from './parse.ts';

export { parseDsaList, DSA_LIST_STATES } from './parse.ts';

const PATH = /(^|\/)(DSA-list\.txt|DLA-list\.txt|data\/DSA\/list|data\/DLA\/list)$/;
const HEAD = /^\[\d{1,2} [A-Z][a-z]{2} \d{4}\] D[SL]A-\d/;

/**
 * The Debian security tracker's DSA and DLA lists (`data/DSA/list`, `data/DLA/list`): one OSV
 * record per advisory (DSA-5380-1, DLA-3380-1, old ones as DSA-135), ecosystem "Debian:<number>",
 * package = source package. See README.md.
 */
export const debianDsaListFormat: AdvisoryFormat = {
  name: 'debian/dsa-list',
  kind: 'advisories',
  detect(path, head) {
    return PATH.test(path) || HEAD.test(head.replace(/^\uFEFF/, ''));
  },
  parse(entry, out) {
    parseDsaList(entry.path, entry.data.toString('utf8'), out);
  },
};
