import type { CveEnrichment, OsvRecord } from '../../model/index.ts';

/**
 * One entry offered to a format: a file of a directory tree, an entry of a zip, or a downloaded body.
 * `path` is relative to the import root and uses "/" ("Go/all.zip!GO-2020-0001.json" for zip entries
 * is how errors name it; formats see the path inside the container, e.g. "gems/rails/CVE-2019-1.yml").
 */
export interface FormatEntry {
  /** path inside its container, "/"-separated */
  path: string;
  /** the entry's bytes (already decompressed if it was .gz) */
  data: Buffer;
}

/** A problem with one entry or one item in it. The import records it and goes on. */
export interface FormatError {
  /** the entry path (and, where useful, the item: "DSA-list.txt:1234") */
  input: string;
  /** short stable rule name: "not-json", "osv-schema", "unparseable-constraint", ... */
  rule: string;
  message: string;
}

export interface FormatOutput {
  record(r: OsvRecord): void;
  enrich(e: CveEnrichment): void;
  error(e: FormatError): void;
}

/**
 * A plugin that understands one advisory or enrichment format. Parsers are pure: they get bytes,
 * never touch the filesystem, network or database.
 */
export interface AdvisoryFormat {
  /** "osv", "debian/dsa-list", "alpine/secdb", "native/rubysec", "enrich/kev", ... */
  name: string;
  /** what it produces */
  kind: 'advisories' | 'enrichment';
  /**
   * Cheap detection from the entry path and the first bytes (up to 4 KiB, as UTF-8 text).
   * Must not claim entries of other formats.
   */
  detect(path: string, head: string): boolean;
  /** parse one entry; report bad items through out.error and keep going */
  parse(entry: FormatEntry, out: FormatOutput): void;
  /**
   * Records of the same id emitted by this format within one import are merged by concatenating
   * `affected[]` (Alpine: one CVE appears in many branch files).
   */
  mergeById?: boolean;
}
