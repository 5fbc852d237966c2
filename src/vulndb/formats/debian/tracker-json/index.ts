import type { AdvisoryFormat } from '../../types.ts';
import { parseTrackerJson, type TrackerJsonOptions } from './parse.ts';

export { parseTrackerJson, type TrackerJsonOptions } from './parse.ts';

/**
 * `modified` used by {@link debianTrackerJsonFormat}: the export has no dates, and a pure parser
 * may not read the clock. This is the date of the tracker snapshot the parser was written against
 * (vulndata README: Debian, 2023-04-02). Importers that know when they fetched the file should use
 * {@link createDebianTrackerJsonFormat} with that time instead.
 */
export const DEBIAN_TRACKER_JSON_DEFAULT_MODIFIED = '2023-04-02T00:00:00Z';

/** `{"<srcpkg>": {"CVE-…` (or a TEMP- id) at the start of the file. */
const HEAD = /^\uFEFF?\s*\{\s*"[^"\\]+"\s*:\s*\{\s*"(CVE-\d{4}-|TEMP-)/;

/**
 * The Debian security tracker's JSON export as a format: records `DEBIAN-<CVE>` (osv.dev's naming),
 * one affected entry per (release, source package). See README.md.
 */
export function createDebianTrackerJsonFormat(opts: Partial<TrackerJsonOptions> = {}): AdvisoryFormat {
  const options: TrackerJsonOptions = { modified: opts.modified ?? DEBIAN_TRACKER_JSON_DEFAULT_MODIFIED };
  return {
    name: 'debian/tracker-json',
    kind: 'advisories',
    detect(_path, head) {
      return HEAD.test(head);
    },
    parse(entry, out) {
      parseTrackerJson(entry.path, entry.data.toString('utf8'), options, out);
    },
  };
}

/** {@link createDebianTrackerJsonFormat} with the default `modified`. */
export const debianTrackerJsonFormat: AdvisoryFormat = createDebianTrackerJsonFormat();
