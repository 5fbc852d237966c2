/**
 * Parses the AWS CLI outputs of an input directory (already read: name → text). Pure.
 */
import { z } from 'zod';
import { VigilError } from '../../../model/errors.ts';
import { AWS_FILES, type AwsFileName } from './schema.ts';
import type * as S from './schema.ts';

export interface AwsInputs {
  instances: S.Instance[];
  securityGroups: S.SecurityGroup[];
  subnets: S.Subnet[];
  routeTables: S.RouteTable[];
  networkAcls: S.NetworkAcl[];
  internetGateways: z.infer<typeof S.InternetGateway>[];
  natGateways: z.infer<typeof S.NatGateway>[];
  loadBalancers: S.LoadBalancer[];
  listeners: S.Listener[];
  targetGroups: S.TargetGroup[];
  /** target group ARN → its targets */
  targetHealth: Map<string, S.TargetHealthDescription[]>;
  /** which files were present (a missing file is "no such components") */
  present: Set<AwsFileName>;
}

/** Where in the document and what broke: `Reservations[0].Instances[2].InstanceId: expected string`. */
function issueText(err: z.ZodError): string {
  const i = err.issues[0];
  const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || '(top level)'}: ${i.message}${err.issues.length > 1 ? ` (and ${err.issues.length - 1} more)` : ''}`;
}

/**
 * Parses one file with its schema.
 * @throws VigilError VIGIL_INVALID_INPUT naming the file and the rule (`not-json`, `aws-cli-shape`)
 */
function parseOne<N extends AwsFileName>(name: N, text: string): z.infer<(typeof AWS_FILES)[N]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${name}: not JSON (${(err as Error).message})`, { input: name, rule: 'not-json', cause: err });
  }
  const r = (AWS_FILES[name] as z.ZodType).safeParse(json);
  if (!r.success) {
    throw new VigilError('VIGIL_INVALID_INPUT', `${name}: not the AWS CLI's output of ${name.replace(/\.json$/, '').replace(/^elbv2-/, 'elbv2 ')}: ${issueText(r.error)}`, { input: name, rule: 'aws-cli-shape', cause: r.error });
  }
  return r.data as z.infer<(typeof AWS_FILES)[N]>;
}

/**
 * Parses the files given (name → text); names not in {@link AWS_FILES} are ignored by the caller.
 * @throws VigilError VIGIL_INVALID_INPUT for a file that is not JSON or not the call's output shape
 */
export function parseAwsInputs(files: Partial<Record<AwsFileName, string>>): AwsInputs {
  const get = <N extends AwsFileName>(n: N) => (files[n] === undefined ? undefined : parseOne(n, files[n]!));
  const th = get('elbv2-describe-target-health.json');
  const targetHealth = new Map<string, S.TargetHealthDescription[]>();
  if (Array.isArray(th)) for (const e of th) targetHealth.set(e.TargetGroupArn, [...(targetHealth.get(e.TargetGroupArn) ?? []), ...e.TargetHealthDescriptions]);
  else if (th) for (const [arn, e] of Object.entries(th)) targetHealth.set(arn, e.TargetHealthDescriptions);
  return {
    instances: get('describe-instances.json')?.Reservations.flatMap((r) => r.Instances) ?? [],
    securityGroups: get('describe-security-groups.json')?.SecurityGroups ?? [],
    subnets: get('describe-subnets.json')?.Subnets ?? [],
    routeTables: get('describe-route-tables.json')?.RouteTables ?? [],
    networkAcls: get('describe-network-acls.json')?.NetworkAcls ?? [],
    internetGateways: get('describe-internet-gateways.json')?.InternetGateways ?? [],
    natGateways: get('describe-nat-gateways.json')?.NatGateways ?? [],
    loadBalancers: get('elbv2-describe-load-balancers.json')?.LoadBalancers ?? [],
    listeners: get('elbv2-describe-listeners.json')?.Listeners ?? [],
    targetGroups: get('elbv2-describe-target-groups.json')?.TargetGroups ?? [],
    targetHealth,
    present: new Set((Object.keys(files) as AwsFileName[]).filter((n) => n in AWS_FILES && files[n] !== undefined)),
  };
}
