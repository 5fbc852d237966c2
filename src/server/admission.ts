/**
 * Kubernetes admission (issue 19): what a workload object runs, and the AdmissionReview v1 answer
 * made of the gate's verdicts. Reference: https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
 * (request and response fields, warnings), and the workload API types for where pod templates sit.
 */
import type { GateVerdict } from '../findings/index.ts';

/** The workload kinds whose pods are gated, and where each keeps its pod spec and pod labels. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  Deployment: ['spec', 'template'], ReplicaSet: ['spec', 'template'], StatefulSet: ['spec', 'template'], DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'], ReplicationController: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};
export const GATED_KINDS = Object.keys(TEMPLATE_PATHS);

export interface Workload {
  /** every container image, in order, duplicates removed */
  images: string[];
  namespace?: string;
  /** the pod's labels (a template's), else the object's */
  labels: Record<string, string>;
}

const rec = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);

function labelsOf(meta: unknown): Record<string, string> {
  const l = rec(rec(meta)?.labels);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(l ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The images, namespace and labels of a workload object of a gated kind; null for other kinds.
 * Containers, init containers and ephemeral containers all count.
 */
export function workloadOf(kind: string, object: Record<string, unknown>, namespace?: string): Workload | null {
  const path = TEMPLATE_PATHS[kind];
  if (!path) return null;
  let pod: Record<string, unknown> | undefined = object;
  for (const k of path) pod = rec(pod?.[k]);
  const spec = rec(pod?.spec);
  const images: string[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    const cs = spec?.[list];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      const image = rec(c)?.image;
      if (typeof image === 'string' && image.length > 0 && !images.includes(image)) images.push(image);
    }
  }
  const podLabels = labelsOf(pod?.metadata);
  return {
    images,
    namespace: namespace || (typeof rec(object.metadata)?.namespace === 'string' ? rec(object.metadata)!.namespace as string : undefined),
    labels: path.length && Object.keys(podLabels).length === 0 ? labelsOf(object.metadata) : podLabels,
  };
}

/** Kubernetes shows warnings of up to 120 characters well; longer ones may be cut. */
const WARNING_CHARS = 120;
const MAX_WARNINGS = 10;
const MAX_MESSAGE_REASONS = 10;

export interface AdmissionAnswer {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
}

/**
 * One answer for every image of the workload: allowed when every image's verdict allows. A denial's
 * `status.message` lists the reasons (the first few, and how many more); reasons that do not deny
 * (audit mode, a fail-open failure) become `warnings`.
 */
export function admissionAnswer(uid: string, policyName: string, verdicts: { image: string; verdict: GateVerdict }[]): AdmissionAnswer {
  const allowed = verdicts.every((v) => v.verdict.allowed);
  const lines = verdicts.flatMap((v) => v.verdict.reasons.map((r) => ({ image: v.image, text: r.message, denies: !v.verdict.allowed })));
  const answer: AdmissionAnswer = { uid, allowed };
  if (!allowed) {
    const denying = lines.filter((l) => l.denies);
    const shown = denying.slice(0, MAX_MESSAGE_REASONS).map((l) => `${l.image}: ${l.text}`);
    const more = denying.length - shown.length;
    answer.status = { code: 403, reason: 'Forbidden', message: `vigil gate policy "${policyName}" denied: ${shown.join('; ')}${more > 0 ? `; and ${more} more` : ''}` };
  }
  const warn = lines.filter((l) => !l.denies);
  if (warn.length) {
    const cut = (s: string) => (s.length > WARNING_CHARS ? `${s.slice(0, WARNING_CHARS - 1)}…` : s);
    answer.warnings = warn.slice(0, MAX_WARNINGS).map((l) => cut(`vigil ${policyName}: ${l.image}: ${l.text}`));
    if (warn.length > MAX_WARNINGS) answer.warnings.push(`vigil ${policyName}: and ${warn.length - MAX_WARNINGS} more`);
  }
  return answer;
}
