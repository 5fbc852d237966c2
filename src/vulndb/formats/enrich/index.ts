/**
 * Enrichment formats: per-CVE facts (KEV, CVSS, CWE, SSVC, EPSS, descriptions) that the store
 * merges field by field onto CVEs. Listed explicitly; nothing registers itself on import.
 */
import type { AdvisoryFormat } from '../types.ts';
import { epssFormat } from './epss/index.ts';
import { kevFormat } from './kev/index.ts';
import { nvdFormat } from './nvd/index.ts';
import { vulnrichmentFormat } from './vulnrichment/index.ts';

export { epssFormat, kevFormat, nvdFormat, vulnrichmentFormat };

/** every enrichment format; their detect() functions claim disjoint inputs */
export const enrichFormats: readonly AdvisoryFormat[] = [kevFormat, vulnrichmentFormat, nvdFormat, epssFormat];
