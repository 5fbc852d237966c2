/** Table types of running workloads (issue 19, migration 0013_workloads_01_containers). */
export interface WorkloadContainerTable {
  account_id: string;
  /** kubernetes | ecs */
  kind: string;
  cluster: string;
  /** Kubernetes namespace; ECS task group */
  namespace: string;
  /** pod name; ECS task ARN */
  workload: string;
  container: string;
  /** 1 for an init container */
  init: number;
  image: string;
  image_digest: string | null;
  /** normalised repository (docker.io/library/nginx) */
  repository: string;
  /** running | waiting | terminated | unknown */
  state: string;
  resource_id: string | null;
  seen_at: string;
}

export interface WorkloadClusterTable {
  id: string;
  account_id: string;
  name: string;
  /** JSON {server, caData?, $sealed} — the token sealed (engine/secrets.ts) */
  config: string;
  interval_minutes: number;
  next_poll_at: string;
  last_polled_at: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface WorkloadTables {
  workload_containers: WorkloadContainerTable;
  workload_clusters: WorkloadClusterTable;
}
