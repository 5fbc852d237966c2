/** Schemas of gating (issue 19, routes/gate.ts): policies, verdicts, and Kubernetes AdmissionReview v1. */
import { z } from 'zod';

const AccountIdQ = z.string().min(1).max(100);
export const GatePolicyParams = z.strictObject({ name: z.string().min(1).max(63).describe('the policy name: 1–63 of a-z 0-9 . _ -') });
export const GatePolicyQuery = z.strictObject({ accountId: AccountIdQ.optional().describe('one account you can see (default: yours)') });
export const GatePoliciesQuery = z.strictObject({ accountId: AccountIdQ.optional().describe('one account you can see (default: every account you can see)') });
export const PutGatePolicyQuery = z.strictObject({
  accountId: AccountIdQ.optional().describe('the account the policy belongs to (default: yours); a delegated admin may name a member account'),
  rotateToken: z.enum(['true', 'false']).optional().describe('make a new admission token (the old one stops working at once)'),
});
/** The body: the policy as YAML (application/yaml, text/yaml, text/plain) or JSON (application/json) text. */
export const PutGatePolicyBody = z.string().min(1).max(1024 * 1024).describe('the policy (docs/gating.md) as YAML or JSON text');

const Severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN']);
export const GateRule = z.object({
  name: z.string().optional(), severity: Severity.optional(), score: z.number().optional(), fixAvailable: z.boolean().optional(),
  kev: z.boolean().optional(), age: z.number().optional(), types: z.array(z.string()).optional(),
});
export const GatePolicyDoc = z.object({
  apiVersion: z.string().optional(), kind: z.string().optional(),
  mode: z.enum(['enforce', 'audit']), failurePolicy: z.enum(['open', 'closed']), unknownImages: z.enum(['allow', 'deny']),
  rules: z.array(GateRule),
  exemptions: z.object({
    vulnerabilities: z.array(z.object({ id: z.string(), expires: z.string().optional(), reason: z.string().optional() })).optional(),
    workloads: z.array(z.object({
      namespaces: z.array(z.string()).optional(),
      selector: z.object({
        matchLabels: z.record(z.string(), z.string()).optional(),
        matchExpressions: z.array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() })).optional(),
      }).optional(),
      reason: z.string().optional(),
    })).optional(),
  }),
}).describe('the policy as validated, defaults filled');

export const GatePolicyView = z.object({
  accountId: z.string(),
  name: z.string(),
  format: z.enum(['yaml', 'json']),
  source: z.string().describe('the body as stored'),
  policy: GatePolicyDoc,
  admissionPath: z.string().describe('the admission webhook path, without its token: append /<token>'),
  token: z.string().optional().describe('the admission token: shown once, when the policy is created or its token rotated'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const GatePolicies = z.object({ items: z.array(GatePolicyView.omit({ token: true })) });

export const GateQuery = z.strictObject({
  image: z.string().min(1).max(1000).describe('an image reference: registry/repository:tag or …@sha256:<digest>'),
  policy: z.string().min(1).max(63).optional().describe('the policy name (default: "default")'),
  accountId: AccountIdQ.optional().describe('the account whose policy and images decide (default: yours)'),
});
export const GateReason = z.object({ rule: z.string(), findingId: z.string().optional(), vulnerabilityId: z.string(), severity: Severity.nullable(), message: z.string() });
export const GateExemption = z.object({ kind: z.enum(['vulnerability', 'suppressed', 'workload', 'expired']), findingId: z.string().optional(), vulnerabilityId: z.string().optional(), reason: z.string() });
export const GateVerdictView = z.object({
  image: z.string(),
  policy: z.string(),
  accountId: z.string(),
  resolved: z.object({ resourceId: z.string(), name: z.string(), digest: z.string().nullable(), tags: z.array(z.string()), lastScannedAt: z.string() }).nullable()
    .describe('the image resource the reference resolved to; null when unknown'),
  unknownReason: z.string().optional(),
  allowed: z.boolean().describe('the answer to act on: false in enforce mode when a rule is violated (or the image unknown and unknownImages: deny)'),
  mode: z.enum(['enforce', 'audit']),
  reasons: z.array(GateReason).describe('what violated the policy (in audit mode: the warnings)'),
  exempted: z.array(GateExemption),
  evaluated: z.number().describe('open findings looked at'),
});

/** AdmissionReview v1 (admission.k8s.io/v1), the fields read; the object is read leniently. */
export const AdmissionReviewRequest = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1).max(200),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
    resource: z.object({ group: z.string(), version: z.string(), resource: z.string() }).optional(),
    subResource: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    operation: z.string(),
    object: z.record(z.string(), z.unknown()).nullable().optional(),
    dryRun: z.boolean().optional(),
  }).passthrough(),
}).passthrough();
export const AdmissionReviewResponse = z.object({
  apiVersion: z.literal('admission.k8s.io/v1'),
  kind: z.literal('AdmissionReview'),
  response: z.object({
    uid: z.string(),
    allowed: z.boolean(),
    status: z.object({ code: z.number().optional(), reason: z.string().optional(), message: z.string().optional() }).optional(),
    warnings: z.array(z.string()).optional(),
  }),
});
export const AdmissionParams = z.strictObject({ accountId: z.string().min(1).max(100), policy: z.string().min(1).max(63), token: z.string().min(1).max(200) });
