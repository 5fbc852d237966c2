/**
 * Table types of the continuous engine (src/engine): what the user registered to be watched
 * (registries, hosts, code repositories, functions, root filesystems), uploaded bytes, and the
 * engine's own markers. The engine also adds columns to `resources` (see schema-findings.ts).
 */

export interface TargetTable {
  id: string;
  account_id: string;
  /** registry | host | repository | function | rootfs */
  kind: string;
  /** unique per (account, kind): a registry host[:port], a host name, a repository URL + branch, a function name, a path */
  name: string;
  /**
   * JSON: the kind's settings (engine/targets.ts); its credentials (passwords, keys, tokens) are
   * not in the clear but in one envelope under "$sealed" (engine/secrets.ts), never returned by the API
   */
  config: string;
  /** JSON: what discovery last saw (registry tags → digests, the last commit, the last function version, …) */
  state: string;
  /** ENABLED | DISABLED */
  status: string;
  /** next time the scheduler polls or rescans it */
  next_poll_at: string | null;
  last_polled_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Uploaded bytes (function code and layers), content-addressed per account (primary key
 * (account_id, digest): identical bytes of two accounts are two rows, so no account learns what
 * another uploaded), in the database so every worker reaches them. Rows no function version
 * references are garbage-collected (engine/sources.ts `collectBlobs`).
 */
export interface BlobTable {
  account_id: string;
  /** "sha256:<hex>" of data */
  digest: string;
  media_type: string;
  size: number;
  data: Buffer;
  /** the last upload of these bytes by this account: fresh uploads are kept until a version names them */
  uploaded_at: string;
}

/** One-row markers of the secrets at rest ("key_id" → the key that sealed the stored credentials). */
export interface SecretMetaTable {
  key: string;
  value: string;
  updated_at: string;
}

/** One-row markers of the engine ("rematched_change_set" → the last change set id rematched). */
export interface EngineStateTable {
  key: string;
  value: string;
  updated_at: string;
}

/**
 * SBOM export jobs (engine/sbom.ts): what was asked, the job's status, and where the archive is
 * (a blob of the account). Rows are deleted at `expires_at`; the blob goes with the next collection.
 */
/** (issue 19) a findings report (engine/findings-report.ts) */
export interface FindingsReportTable {
  id: string;
  account_id: string;
  /** csv | json | ocsf */
  format: string;
  /** QUEUED | IN_PROGRESS | SUCCEEDED | FAILED */
  status: string;
  /** JSON: the request as given (filter, format, destination without its secret) */
  request: string;
  /** JSON: the FindingFilter resolved at request time (accounts in the caller's sight) */
  filter: string;
  destination: string | null;
  findings: number | null;
  location: string | null;
  error: string | null;
  blob_digest: string | null;
  size: number | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  expires_at: string;
}

export interface SbomExportTable {
  id: string;
  /** who may see and download it */
  account_id: string;
  /** cyclonedx | spdx */
  format: string;
  /** QUEUED | IN_PROGRESS | SUCCEEDED | FAILED */
  status: string;
  /** JSON: the request as given (resourceIds, filter) */
  request: string;
  /** JSON string[]: the resources selected at request time (in the caller's sight then) */
  resource_ids: string;
  resource_count: number;
  /** documents in the archive (resources deleted since the request are left out) */
  documents: number | null;
  error: string | null;
  /** "sha256:…" of the archive in `blobs` (same account) */
  blob_digest: string | null;
  size: number | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  expires_at: string;
  /** (issue 19) JSON destination (engine/destinations.ts; the S3 secret sealed), null: stored as a blob */
  destination: string | null;
  /** where the archive was written (s3://bucket/key or a path), with a destination */
  location: string | null;
}

/** An uploaded network topology of an account (engine/network.ts). */
export interface NetworkTopologyTable {
  account_id: string;
  /** the name the account gave it: one upload replaces the last under the same name */
  name: string;
  /** aws */
  kind: string;
  /** JSON string[]: the file names given */
  files: string;
  /** sha256 over the files given (name and text): an unchanged upload is analysed again only on request */
  input_hash: string;
  /** ANALYZED | FAILED */
  status: string;
  /** JSON {message, input?, rule?} when FAILED */
  error: string | null;
  /** JSON NetworkNote[]: what the analysis could not read exactly */
  notes: string;
  /** JSON {instances, reachableInstances, findings, mappedResources, unmappedInstances, notes} */
  counts: string;
  analyzed_at: string | null;
  created_at: string;
  updated_at: string;
}

/** An EC2 instance of a topology: what maps it to a Vigil resource, and what names it. */
export interface NetworkInstanceTable {
  account_id: string;
  topology: string;
  instance_id: string;
  /** running | stopped | … (the instance's State.Name; "running" when the CLI gave none) */
  state: string;
  /** the Name tag */
  name: string | null;
  /** JSON string[]: the EC2 tags as "Key=Value" */
  tags: string;
  /** JSON {private: string[], public: string[], ipv6: string[]} */
  addresses: string;
}

/** One path from the internet to an instance, as the analysis found it (a NetworkFinding). */
export interface NetworkExposureTable {
  account_id: string;
  topology: string;
  instance_id: string;
  /** the analysis's key (resource, protocol, range, family, path) */
  finding_key: string;
  /** JSON NetworkFinding */
  finding: string;
}

export interface EngineTables {
  network_topologies: NetworkTopologyTable;
  network_instances: NetworkInstanceTable;
  network_exposures: NetworkExposureTable;
  targets: TargetTable;
  sbom_exports: SbomExportTable;
  findings_reports: FindingsReportTable;
  blobs: BlobTable;
  engine_state: EngineStateTable;
  secret_meta: SecretMetaTable;
}
