/** Schemas of /v1/network (issue 16, routes/network.ts). */
import { z } from 'zod';
import { AWS_FILES } from '../detectors/network/index.ts';

const TopologyNameText = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a topology name is 1-64 of A-Z a-z 0-9 . _ -');
export const TopologyParams = z.strictObject({ name: TopologyNameText });
export const TopologyQuery = z.strictObject({ accountId: z.string().min(1).max(100).optional().describe('one account you can see (default: yours)') });
export const TopologiesQuery = z.strictObject({ accountId: z.string().min(1).max(100).optional().describe('one account you can see (default: every account you can see)') });

const FILE_NAMES = Object.keys(AWS_FILES);
export const PutTopologyBody = z.strictObject({
  files: z.record(z.string(), z.unknown()).describe(`the AWS CLI outputs (--output json), by file name: ${FILE_NAMES.join(', ')}. Each value is the call's JSON output (or its text). elbv2-describe-target-health.json holds one output per target group: {"<target group ARN>": <output>, …} or [{"TargetGroupArn": "…", "TargetHealthDescriptions": […]}, …]`),
  accountId: z.string().min(1).max(100).optional().describe('the account the topology belongs to (default: yours); a delegated admin may name a member account'),
});

const Note = z.object({ kind: z.string(), input: z.string(), componentId: z.string().optional(), message: z.string(), assumed: z.string().optional() });
export const Topology = z.object({
  name: z.string(),
  accountId: z.string(),
  kind: z.literal('aws'),
  files: z.array(z.string()),
  status: z.enum(['ANALYZED', 'FAILED']).describe('FAILED: the last upload was refused (error); the analysis before it, if any, stays in force'),
  error: z.object({ message: z.string(), input: z.string().optional(), rule: z.string().optional() }).nullable(),
  analyzedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  counts: z.object({
    instances: z.number(), reachableInstances: z.number().describe('instances with at least one path from the internet'),
    findings: z.number().describe('paths from the internet (instance, protocol, port range, address family, path)'),
    mappedResources: z.number().describe('instances a host of the account maps to (its collected instance id, or an instance-id tag)'),
    unmappedInstances: z.number().describe('instances no host maps to: each has a host resource of its own, INACTIVE with reason UNMANAGED_EC2_INSTANCE'),
    notes: z.number(),
  }),
  notes: z.array(Note).describe('what the analysis could not read exactly, and which way it leaned (always towards reachable)'),
});
export const Topologies = z.object({ items: z.array(Topology) });
