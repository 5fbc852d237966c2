/** API shapes of running workloads (issue 19, routes/workloads.ts). */
import { z } from 'zod';
import { ClusterInput, EcsTasksSchema, PodListSchema } from '../engine/index.ts';

const AccountId = z.string().min(1).max(100).optional().describe('the account (default: the caller\'s)');
const ClusterName = z.string().trim().min(1).max(200);

export const KubernetesUpload = z.strictObject({
  accountId: AccountId,
  cluster: ClusterName.describe('the cluster\'s name: the snapshot of this name is replaced'),
  pods: PodListSchema.describe('the JSON of `kubectl get pods -A -o json` (a PodList), at most 50,000 pods'),
});
export const EcsUpload = z.strictObject({
  accountId: AccountId,
  cluster: ClusterName.describe('the ECS cluster\'s name: the snapshot of this name is replaced'),
  tasks: EcsTasksSchema.describe('the JSON of `aws ecs describe-tasks`, at most 50,000 tasks'),
});
export const SnapshotSummary = z.object({
  cluster: z.string(),
  containers: z.number().describe('containers in the snapshot (init and terminated ones included)'),
  running: z.number().describe('containers running'),
  resolved: z.number().describe('containers whose image is a known image resource'),
  images: z.number().describe('image resources running in this cluster'),
  rescored: z.number().describe('image resources whose "in use" changed (their findings re-scored)'),
  scan: z.array(z.string()).describe('image resources back from IMAGE_NOT_IN_USE, queued for a scan'),
});
export const ClusterBody = ClusterInput.extend({ accountId: AccountId });
export const Cluster = z.object({
  id: z.string(), accountId: z.string(), name: z.string(), server: z.string(), caData: z.boolean().describe('a CA is set'),
  intervalMinutes: z.number(), nextPollAt: z.string(), lastPolledAt: z.string().nullable(), lastError: z.string().nullable(), createdAt: z.string(),
});
export const Clusters = z.object({ items: z.array(Cluster) });
export const ClustersQuery = z.strictObject({ accountId: z.string().min(1).max(100).optional() });
export const ClusterParams = z.strictObject({ name: ClusterName });
