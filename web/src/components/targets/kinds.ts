/** The five kinds of target, as the API names them and as the console shows them. */
import type { TargetKind } from '../../types.ts';

export interface KindInfo {
  kind: TargetKind;
  /** the API's collection: /v1/{plural} */
  plural: string;
  /** tab title */
  label: string;
  /** "a registry" */
  one: string;
  /** the OpenAPI component with the kind's config fields */
  schema: string;
  /** POST /v1/{plural}/{id}/poll, as a button */
  pollLabel: string;
  about: string;
}

export const KINDS: readonly KindInfo[] = [
  {
    kind: 'registry', plural: 'registries', label: 'Registries', one: 'registry', schema: 'RegistryConfig', pollLabel: 'Poll now',
    about: 'Container registries (Docker Registry HTTP API v2). Vigil reads the catalog on a schedule or on push notifications, scans every image, and rescans when new vulnerabilities are published.',
  },
  {
    kind: 'host', plural: 'hosts', label: 'Hosts', one: 'host', schema: 'HostConfig', pollLabel: 'Scan now',
    about: 'Linux machines, scanned over SSH without an agent, or reported by `vigil agent`, or both (hybrid).',
  },
  {
    kind: 'function', plural: 'functions', label: 'Functions', one: 'function', schema: 'FunctionConfig', pollLabel: 'Scan now',
    about: 'Serverless functions: each version (a code zip and its layers) is uploaded to POST /v1/functions/{id}/versions and scanned.',
  },
  {
    kind: 'repository', plural: 'repositories', label: 'Repositories', one: 'repository', schema: 'RepositoryConfig', pollLabel: 'Poll now',
    about: 'Git repositories: every new commit of the watched branch is scanned, on a schedule or on a GitHub/GitLab push webhook.',
  },
  {
    kind: 'rootfs', plural: 'rootfs', label: 'Root filesystems', one: 'root filesystem', schema: 'RootfsConfig', pollLabel: 'Scan now',
    about: 'Mounted disk snapshots and chroots on the machine the workers run on (paths the operator allowed).',
  },
];

/** A kind by its name or its API collection name ("registry" or "registries"); null when neither. */
export function kindInfo(k: string | null | undefined): KindInfo | null {
  return KINDS.find((x) => x.kind === k || x.plural === k) ?? null;
}

export function targetPath(kind: TargetKind, id: string): string {
  return `/targets/${kind}/${encodeURIComponent(id)}`;
}

/** Coverage of a target's resources: how many are actively scanned. */
export function coverageOf(resources: { coverageStatus: string }[]): { active: number; total: number } {
  return { active: resources.filter((r) => r.coverageStatus === 'ACTIVE').length, total: resources.length };
}

/** What deleting a target does, for its confirmation dialog. */
export function deleteConsequence(info: KindInfo, resources: number): string {
  const res = resources === 0 ? 'It has no resources yet.'
    : `Its ${resources === 1 ? 'resource becomes' : `${resources} resources become`} INACTIVE (RESOURCE_REMOVED) and their open findings close.`;
  const secrets = info.kind === 'function' || info.kind === 'rootfs' ? '' : ' Its stored credentials and secrets are deleted; registering it again generates new ones.';
  return `Vigil stops watching this ${info.one}. ${res}${secrets}`;
}
