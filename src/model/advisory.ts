/**
 * The advisory model: OSV (https://ossf.github.io/osv-schema/) is Vigil's internal advisory format.
 * Every importer, whatever it reads (OSV JSON, Debian's DSA list, Alpine secdb, rubysec YAML, ...),
 * produces these records; the vulnerability database stores them and matching evaluates them.
 */

export type OsvEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

export interface OsvRange {
  type: 'GIT' | 'SEMVER' | 'ECOSYSTEM';
  repo?: string;
  events: OsvEvent[];
  database_specific?: Record<string, unknown>;
}

export interface OsvSeverity {
  type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | 'Ubuntu';
  score: string;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvReference {
  type: string;
  url: string;
}

export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  upstream?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: OsvReference[];
  credits?: { name: string; contact?: string[]; type?: string }[];
  database_specific?: Record<string, unknown>;
}

/**
 * Per-CVE enrichment (KEV, CVSS, CWE, EPSS, SSVC). Every field but `cve` is optional: each source
 * fills what it knows and the store merges field by field (a KEV import never erases a CVSS vector).
 */
export interface CveEnrichment {
  cve: string;
  cvss3Vector?: string;
  cvss3Score?: number;
  cvss3Source?: string;
  cvss4Vector?: string;
  cvss4Score?: number;
  cvss4Source?: string;
  cwes?: string[];
  kev?: {
    dateAdded: string;
    dueDate?: string;
    vendorProject?: string;
    product?: string;
    name?: string;
    requiredAction?: string;
    knownRansomwareCampaignUse?: string;
  };
  epss?: { score: number; percentile: number; date?: string };
  ssvc?: { exploitation?: string; automatable?: string; technicalImpact?: string };
  /** description from NVD, when a record has none */
  description?: string;
}
