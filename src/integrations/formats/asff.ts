/**
 * AWS Security Finding Format (ASFF, SchemaVersion 2018-10-08) of a finding, for Security Hub's
 * BatchImportFindings. Shape: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-syntax.html
 * — validated in the tests against the JSON Schema derived from botocore's Security Hub model
 * (../schemas/README.md), which carries the documented length and item limits.
 */
import { VigilError } from '../../model/index.ts';
import { descriptionOf, findingLink, isoUtc, kindOf, remediationOf, truncate } from './common.ts';
import type { FindingView, FormatContext } from './types.ts';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

export interface AsffContext extends FormatContext {
  aws: {
    /** the Security Hub region findings are imported into, e.g. "eu-west-1" */
    region: string;
    /** the 12-digit account findings are imported into (AwsAccountId, and the default ProductArn's) */
    accountId: string;
    /** aws (default), aws-cn or aws-us-gov */
    partition?: 'aws' | 'aws-cn' | 'aws-us-gov';
    /** default: the account's custom-integration product, arn:<partition>:securityhub:<region>:<account>:product/<account>/default */
    productArn?: string;
  };
}

/** Label and the Normalized value Security Hub itself derives from a label (0, 1, 40, 70, 90). */
export const ASFF_SEVERITY = {
  CRITICAL: { Label: 'CRITICAL', Normalized: 90 },
  HIGH: { Label: 'HIGH', Normalized: 70 },
  MEDIUM: { Label: 'MEDIUM', Normalized: 40 },
  LOW: { Label: 'LOW', Normalized: 1 },
  // ASFF has no "unknown": an unscored finding is informational, its Original says UNKNOWN
  NONE: { Label: 'INFORMATIONAL', Normalized: 0 },
  UNKNOWN: { Label: 'INFORMATIONAL', Normalized: 0 },
} as const;

/** Workflow status and record state from the finding's status. */
export const ASFF_STATUS = {
  ACTIVE: { Workflow: 'NEW', RecordState: 'ACTIVE' },
  SUPPRESSED: { Workflow: 'SUPPRESSED', RecordState: 'ACTIVE' },
  CLOSED: { Workflow: 'RESOLVED', RecordState: 'ARCHIVED' },
} as const;

/** ASFF's documented limits (AwsSecurityFinding members). */
export const ASFF_LIMITS = { Id: 512, GeneratorId: 512, Title: 256, Description: 1024, ProductFieldKey: 128, ProductFieldValue: 2048, RecommendationText: 512 } as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ECR = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)/;
const EC2_INSTANCE = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9$_-]+)?$/;

type Json = Record<string, unknown>;
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)));

function checkAws(ctx: AsffContext): { region: string; account: string; partition: string; productArn: string } {
  const a = ctx.aws;
  if (!a || !/^\d{12}$/.test(a.accountId ?? '')) {
    throw new VigilError('VIGIL_CONFIG', `aws.accountId ${JSON.stringify(a?.accountId)}: must be 12 digits`, { input: 'aws.accountId', rule: 'aws-account-id' });
  }
  if (!REGION.test(a.region ?? '')) {
    throw new VigilError('VIGIL_CONFIG', `aws.region ${JSON.stringify(a.region)}: not an AWS region name (like eu-west-1)`, { input: 'aws.region', rule: 'aws-region' });
  }
  const partition = a.partition ?? 'aws';
  const productArn = a.productArn ?? `arn:${partition}:securityhub:${a.region}:${a.accountId}:product/${a.accountId}/default`;
  if (!/^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:\d{0,12}:product\/\S+$/.test(productArn) || productArn.length > 2048) {
    throw new VigilError('VIGIL_CONFIG', `aws.productArn ${JSON.stringify(productArn)}: not a Security Hub product ARN`, { input: 'aws.productArn', rule: 'securityhub-product-arn' });
  }
  return { region: a.region, account: a.accountId, partition, productArn };
}

/** Types[]: ASFF's namespace/category/classifier taxonomy. */
function typesOf(f: FindingView): string[] {
  switch (kindOf(f)) {
    case 'network': return ['Software and Configuration Checks/AWS Security Best Practices/Network Reachability'];
    case 'secret': return ['Sensitive Data Identifications/Security/Hardcoded Credentials', 'Software and Configuration Checks/Vulnerabilities/CWE'];
    case 'code': return ['Software and Configuration Checks/Vulnerabilities/CWE'];
    default:
      return f.type === 'malicious'
        ? ['Software and Configuration Checks/Vulnerabilities/Malicious Package']
        : ['Software and Configuration Checks/Vulnerabilities/CVE'];
  }
}

function resourceOf(f: FindingView, aws: ReturnType<typeof checkAws>): Json {
  const r = f.resource;
  const base = { Partition: aws.partition, Region: aws.region };
  const ecr = r.type === 'image' ? ECR.exec(r.ref ?? r.name) : null;
  if (ecr && r.digest && /^sha256:[0-9a-f]{64}$/.test(r.digest)) {
    const [, registry, region, repo] = ecr;
    return {
      Type: 'AwsEcrContainerImage', Id: `arn:${aws.partition}:ecr:${region}:${registry}:repository/${repo}/${r.digest}`, ...base, Region: region,
      Details: { AwsEcrContainerImage: defined({ RegistryId: registry, RepositoryName: repo, ImageDigest: r.digest, ImageTags: r.ref && /:[^/]+$/.test(r.ref) && !r.ref.includes('@') ? [r.ref.slice(r.ref.lastIndexOf(':') + 1)] : undefined }) },
    };
  }
  const instance = f.details.networkReachability?.instanceId ?? (r.type === 'host' && EC2_INSTANCE.test(r.name) ? r.name : undefined);
  if (instance && EC2_INSTANCE.test(instance)) {
    return { Type: 'AwsEc2Instance', Id: `arn:${aws.partition}:ec2:${aws.region}:${aws.account}:instance/${instance}`, ...base };
  }
  if (r.type === 'function' && LAMBDA_ARN.test(r.name)) {
    return { Type: 'AwsLambdaFunction', Id: r.name, ...base, Region: r.name.split(':')[3] };
  }
  const other = defined({ 'vigil/type': r.type, 'vigil/name': r.name, 'vigil/ref': r.ref, 'vigil/digest': r.digest });
  for (const [k, v] of Object.entries(other)) other[k] = truncate(String(v), 1024);
  return { Type: 'Other', Id: truncate(`vigil:${r.type || 'resource'}:${r.id}`, 512), ...base, ...(Object.keys(other).length ? { Details: { Other: other } } : {}) };
}

function vulnerabilitiesOf(f: FindingView): Json[] | undefined {
  switch (kindOf(f)) {
    case 'network': return undefined;
    case 'secret':
    case 'code': {
      const l = f.details.secret?.location ?? f.details.code?.location;
      const cwes = f.details.code?.cwe.length ? f.details.code.cwe : [f.vulnerabilityId];
      return [defined({
        Id: f.vulnerabilityId,
        FixAvailable: f.details.code?.fix ? 'YES' : 'NO',
        CodeVulnerabilities: [defined({
          Cwes: cwes,
          FilePath: l ? defined({ FilePath: l.path, FileName: l.path.split('/').filter(Boolean).pop(), StartLine: l.line, EndLine: l.endLine ?? l.line }) : undefined,
        })],
      })];
    }
    default: {
      const c = f.details.cvss;
      const urls = (f.details.references ?? []).filter((u) => /^https?:\/\//.test(u));
      return [defined({
        Id: f.vulnerabilityId,
        VulnerablePackages: [defined({
          Name: f.package.name, Version: f.package.version, PackageManager: f.package.ecosystem, FilePath: f.package.location,
          FixedInVersion: f.fixedVersion, Remediation: f.fixedVersion ? truncate(remediationOf(f) ?? '', 1024) : undefined,
          SourceLayerHash: f.package.layer,
        })],
        Cvss: c ? [defined({ Version: c.version, BaseScore: c.score, BaseVector: c.vector, Source: c.source })] : undefined,
        RelatedVulnerabilities: [...new Set([...f.details.aliases, ...f.details.advisories])].filter((a) => a !== f.vulnerabilityId).sort(),
        Vendor: { Name: 'Vigil' },
        ReferenceUrls: urls,
        FixAvailable: f.fixAvailability,
        ExploitAvailable: f.exploitAvailable ? 'YES' : 'NO',
        EpssScore: f.epss ?? undefined,
      })];
    }
  }
}

/**
 * The finding as an ASFF finding. Id is `vigil/<account>/<finding id>` (stable: a re-import updates
 * it); Title and Description are cut to ASFF's 256 and 1024 characters.
 * @throws VigilError VIGIL_CONFIG naming `aws.accountId`, `aws.region` or `aws.productArn` when
 *   the context's are not valid; VIGIL_INVALID_INPUT when a time of the finding is not ISO 8601
 */
export function toAsff(f: FindingView, ctx: AsffContext): Json {
  const aws = checkAws(ctx);
  const link = findingLink(f, ctx);
  const status = ASFF_STATUS[f.status];
  const n = f.details.networkReachability;
  const remediation = remediationOf(f);
  const productFields = defined({
    'vigil/findingId': f.id,
    'vigil/accountId': f.accountId,
    'vigil/type': f.type,
    'vigil/advisoryId': f.advisoryId,
    'vigil/resourceId': f.resource.id,
    'vigil/score': f.score === null ? undefined : String(f.score),
    'vigil/epss': f.epss === null ? undefined : String(f.epss),
    'vigil/suppressedBy': f.suppressedBy,
    'vigil/version': ctx.vigilVersion,
  });
  for (const [k, v] of Object.entries(productFields)) productFields[k] = truncate(String(v), ASFF_LIMITS.ProductFieldValue);
  return defined({
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: truncate(`vigil/${f.accountId}/${f.id}`, ASFF_LIMITS.Id),
    ProductArn: aws.productArn,
    ProductName: 'Vigil',
    CompanyName: 'Vigil',
    Region: aws.region,
    GeneratorId: truncate(`vigil/${f.advisoryId}`, ASFF_LIMITS.GeneratorId),
    AwsAccountId: aws.account,
    Types: typesOf(f),
    FirstObservedAt: isoUtc(f.firstObservedAt, 'firstObservedAt'),
    LastObservedAt: isoUtc(f.lastObservedAt, 'lastObservedAt'),
    CreatedAt: isoUtc(f.firstObservedAt, 'firstObservedAt'),
    UpdatedAt: isoUtc(f.updatedAt, 'updatedAt'),
    Severity: { ...ASFF_SEVERITY[f.severity], Original: f.severity },
    Title: truncate(f.title.trim() || f.vulnerabilityId, ASFF_LIMITS.Title),
    Description: truncate(descriptionOf(f).trim() || f.vulnerabilityId, ASFF_LIMITS.Description),
    Remediation: remediation || link ? { Recommendation: defined({ Text: remediation ? truncate(remediation, ASFF_LIMITS.RecommendationText) : undefined, Url: link }) } : undefined,
    SourceUrl: link,
    ProductFields: productFields,
    Resources: [resourceOf(f, aws)],
    Network: n ? defined({ Direction: 'IN', Protocol: n.protocol.toUpperCase(), OpenPortRange: { Begin: n.openPortRange.begin, End: n.openPortRange.end } }) : undefined,
    NetworkPath: n?.networkPath.steps.map((s) => ({ ComponentId: s.componentId, ComponentType: s.componentType })),
    Vulnerabilities: vulnerabilitiesOf(f),
    Workflow: { Status: status.Workflow },
    RecordState: status.RecordState,
  });
}
