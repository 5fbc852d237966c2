/**
 * Every filter of `GET /v1/findings` (same parameter names, so the explorer's URL, the export link,
 * the grouped view and the suppression rule page all read one query), and the "group by" choices
 * with the filter a group turns into when clicked.
 */
import type { FilterDef } from '../FilterChips.tsx';
import { FINDING_TYPES, findingTypeLabel, SEVERITIES } from '../../types.ts';

export const FINDING_FILTERS: readonly FilterDef[] = [
  { key: 'status', label: 'Status', kind: 'enum', options: ['ACTIVE', 'SUPPRESSED', 'CLOSED'], multi: true },
  { key: 'severity', label: 'Severity', kind: 'enum', options: SEVERITIES, multi: true },
  { key: 'title', label: 'Title contains', kind: 'text', placeholder: 'text in the title or id' },
  { key: 'vulnerabilityId', label: 'Vulnerability id', kind: 'text', multi: true, placeholder: 'CVE-2024-…, GHSA-…' },
  { key: 'type', label: 'Finding type', kind: 'enum', options: FINDING_TYPES, multi: true },
  // issue 17: secrets and code flaws — the rule (advisoryId: secret/aws-access-key-id, python/command-injection) and the file
  { key: 'detector', label: 'Detector rule', kind: 'text', multi: true, placeholder: 'secret/aws-access-key-id, python/sql-injection' },
  { key: 'filePath', label: 'File path', kind: 'text', placeholder: 'src/app.py, or a pattern: src/*.py' },
  { key: 'packageName', label: 'Package name', kind: 'text', placeholder: 'openssl' },
  { key: 'packageEcosystem', label: 'Package ecosystem', kind: 'text', placeholder: 'npm, PyPI, Debian:12…' },
  { key: 'resourceId', label: 'Resource id', kind: 'text', multi: true },
  { key: 'resourceType', label: 'Resource type', kind: 'enum', options: ['image', 'host', 'function', 'repository', 'rootfs'], multi: true },
  { key: 'repository', label: 'Repository', kind: 'text', multi: true, placeholder: 'image repository or repository URL' },
  { key: 'imageTag', label: 'Image tag', kind: 'text', multi: true, placeholder: 'latest' },
  // issue 19: images a running container uses (workload snapshots)
  { key: 'inUse', label: 'Image in use', kind: 'bool' },
  { key: 'layerDigest', label: 'Layer digest', kind: 'text', multi: true, placeholder: 'sha256:…' },
  { key: 'fixAvailable', label: 'Fix available', kind: 'enum', options: ['YES', 'NO', 'PARTIAL'] },
  { key: 'exploitAvailable', label: 'Exploit available', kind: 'bool' },
  { key: 'accountId', label: 'Account', kind: 'text', placeholder: 'account id' },
  { key: 'minScore', label: 'Minimum score', kind: 'text', placeholder: '0–10, e.g. 7' },
  { key: 'firstObservedFrom', label: 'First observed from', kind: 'date' },
  { key: 'firstObservedTo', label: 'First observed to', kind: 'date' },
  { key: 'lastObservedFrom', label: 'Last observed from', kind: 'date' },
  { key: 'lastObservedTo', label: 'Last observed to', kind: 'date' },
  { key: 'updatedFrom', label: 'Updated from', kind: 'date' },
  { key: 'updatedTo', label: 'Updated to', kind: 'date' },
];

/** The server's sort orders (`sort`), highest / newest first. */
export const SORTS = [
  { value: 'severity', label: 'Severity' },
  { value: 'updated', label: 'Last updated' },
  { value: 'firstObserved', label: 'First observed' },
  { value: 'score', label: 'Score' },
] as const;

export interface GroupDef {
  /** `by` of GET /v1/aggregations/findings (and the `group` URL parameter) */
  by: string;
  label: string;
  /** which names the group: its key (an id) or the server's label (a resource name, a layer's created_by) */
  primary: 'key' | 'label';
  /** the findings filter(s) a group's key turns into */
  filter: (key: string) => [string, string][];
  /** a display name the console knows for a key (finding types), when the server sends none */
  labelOf?: (key: string) => string | undefined;
}

export const GROUPS: readonly GroupDef[] = [
  { by: 'vulnerability', label: 'Vulnerability', primary: 'key', filter: (k) => [['vulnerabilityId', k]] },
  { by: 'resource', label: 'Resource', primary: 'label', filter: (k) => [['resourceId', k]] },
  {
    by: 'package', label: 'Package', primary: 'key',
    // keys are "<ecosystem>/<name>"; ecosystems have no slash, names may (@scope/x, Go modules)
    filter: (k) => {
      const i = k.indexOf('/');
      return i < 0 ? [['packageName', k]] : [['packageEcosystem', k.slice(0, i)], ['packageName', k.slice(i + 1)]];
    },
  },
  { by: 'layer', label: 'Image layer', primary: 'label', filter: (k) => [['layerDigest', k]] },
  { by: 'repository', label: 'Repository', primary: 'key', filter: (k) => [['repository', k]] },
  { by: 'type', label: 'Finding type', primary: 'key', filter: (k) => [['type', k]], labelOf: (k) => findingTypeLabel(k) },
  // issue 17: secrets and code flaws by detector rule and by file
  { by: 'detector', label: 'Detector rule', primary: 'key', filter: (k) => [['detector', k]] },
  { by: 'file', label: 'File', primary: 'key', filter: (k) => [['filePath', k]] },
];
