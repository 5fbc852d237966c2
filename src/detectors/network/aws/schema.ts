/**
 * zod schemas for the JSON the AWS CLI prints (`--output json`, the default), one per call. Only
 * the fields the analysis reads are declared; the rest is ignored. Field names follow the EC2 and
 * ELBv2 API references (PascalCase in the CLI's output):
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html,
 * …/API_SecurityGroup.html, …/API_IpPermission.html, …/API_NetworkAclEntry.html,
 * …/API_RouteTable.html, …/API_Route.html, …/API_Subnet.html, …/API_InternetGateway.html,
 * …/API_NatGateway.html;
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancer.html,
 * …/API_Listener.html, …/API_TargetGroup.html, …/API_TargetHealthDescription.html.
 */
import { z } from 'zod';

const Tag = z.object({ Key: z.string(), Value: z.string().optional() });

const GroupIdentifier = z.object({ GroupId: z.string(), GroupName: z.string().optional() });

const NetworkInterface = z.object({
  NetworkInterfaceId: z.string(),
  SubnetId: z.string().optional(),
  VpcId: z.string().optional(),
  PrivateIpAddress: z.string().optional(),
  PrivateIpAddresses: z.array(z.object({
    PrivateIpAddress: z.string().optional(),
    Association: z.object({ PublicIp: z.string().optional() }).optional(),
  })).optional(),
  Association: z.object({ PublicIp: z.string().optional() }).optional(),
  Ipv6Addresses: z.array(z.object({ Ipv6Address: z.string() })).optional(),
  Groups: z.array(GroupIdentifier).optional(),
  Attachment: z.object({ DeviceIndex: z.number().optional(), Status: z.string().optional() }).optional(),
});

export const Instance = z.object({
  InstanceId: z.string(),
  State: z.object({ Name: z.string(), Code: z.number().optional() }).optional(),
  SubnetId: z.string().optional(),
  VpcId: z.string().optional(),
  PrivateIpAddress: z.string().optional(),
  PublicIpAddress: z.string().optional(),
  Ipv6Address: z.string().optional(),
  SecurityGroups: z.array(GroupIdentifier).optional(),
  NetworkInterfaces: z.array(NetworkInterface).optional(),
  Tags: z.array(Tag).optional(),
});
export type Instance = z.infer<typeof Instance>;

export const DescribeInstances = z.object({ Reservations: z.array(z.object({ Instances: z.array(Instance) })) });

const UserIdGroupPair = z.object({ GroupId: z.string().optional(), UserId: z.string().optional(), VpcId: z.string().optional(), GroupName: z.string().optional() });

export const IpPermission = z.object({
  // "-1" (all), "tcp", "udp", "icmp", "icmpv6", or a protocol number as a string
  IpProtocol: z.string(),
  FromPort: z.number().int().optional(),
  ToPort: z.number().int().optional(),
  IpRanges: z.array(z.object({ CidrIp: z.string() })).optional(),
  Ipv6Ranges: z.array(z.object({ CidrIpv6: z.string() })).optional(),
  PrefixListIds: z.array(z.object({ PrefixListId: z.string() })).optional(),
  UserIdGroupPairs: z.array(UserIdGroupPair).optional(),
});
export type IpPermission = z.infer<typeof IpPermission>;

export const SecurityGroup = z.object({
  GroupId: z.string(),
  GroupName: z.string().optional(),
  VpcId: z.string().optional(),
  IpPermissions: z.array(IpPermission).optional(),
  IpPermissionsEgress: z.array(IpPermission).optional(),
});
export type SecurityGroup = z.infer<typeof SecurityGroup>;
export const DescribeSecurityGroups = z.object({ SecurityGroups: z.array(SecurityGroup) });

export const Subnet = z.object({
  SubnetId: z.string(),
  VpcId: z.string(),
  CidrBlock: z.string().optional(),
  Ipv6CidrBlockAssociationSet: z.array(z.object({ Ipv6CidrBlock: z.string() })).optional(),
  AvailabilityZone: z.string().optional(),
  MapPublicIpOnLaunch: z.boolean().optional(),
});
export type Subnet = z.infer<typeof Subnet>;
export const DescribeSubnets = z.object({ Subnets: z.array(Subnet) });

export const Route = z.object({
  DestinationCidrBlock: z.string().optional(),
  DestinationIpv6CidrBlock: z.string().optional(),
  DestinationPrefixListId: z.string().optional(),
  GatewayId: z.string().optional(),
  NatGatewayId: z.string().optional(),
  EgressOnlyInternetGatewayId: z.string().optional(),
  InstanceId: z.string().optional(),
  NetworkInterfaceId: z.string().optional(),
  TransitGatewayId: z.string().optional(),
  VpcPeeringConnectionId: z.string().optional(),
  // "active" | "blackhole"
  State: z.string().optional(),
});
export type Route = z.infer<typeof Route>;

export const RouteTable = z.object({
  RouteTableId: z.string(),
  VpcId: z.string(),
  Associations: z.array(z.object({ Main: z.boolean().optional(), SubnetId: z.string().optional(), GatewayId: z.string().optional(), RouteTableAssociationId: z.string().optional() })).optional(),
  Routes: z.array(Route).optional(),
});
export type RouteTable = z.infer<typeof RouteTable>;
export const DescribeRouteTables = z.object({ RouteTables: z.array(RouteTable) });

export const NetworkAclEntry = z.object({
  RuleNumber: z.number().int(),
  Egress: z.boolean(),
  RuleAction: z.enum(['allow', 'deny']),
  // a protocol number as a string; "-1" is every protocol
  Protocol: z.string().regex(/^(-1|\d{1,3})$/, 'a protocol number as a string, or "-1"'),
  CidrBlock: z.string().optional(),
  Ipv6CidrBlock: z.string().optional(),
  PortRange: z.object({ From: z.number().int(), To: z.number().int() }).optional(),
  IcmpTypeCode: z.object({ Type: z.number().int(), Code: z.number().int().optional() }).optional(),
});
export type NetworkAclEntry = z.infer<typeof NetworkAclEntry>;

export const NetworkAcl = z.object({
  NetworkAclId: z.string(),
  VpcId: z.string(),
  IsDefault: z.boolean().optional(),
  Associations: z.array(z.object({ SubnetId: z.string(), NetworkAclId: z.string().optional() })).optional(),
  Entries: z.array(NetworkAclEntry).optional(),
});
export type NetworkAcl = z.infer<typeof NetworkAcl>;
export const DescribeNetworkAcls = z.object({ NetworkAcls: z.array(NetworkAcl) });

export const InternetGateway = z.object({
  InternetGatewayId: z.string(),
  Attachments: z.array(z.object({ VpcId: z.string(), State: z.string().optional() })).optional(),
});
export const DescribeInternetGateways = z.object({ InternetGateways: z.array(InternetGateway) });

export const NatGateway = z.object({ NatGatewayId: z.string(), SubnetId: z.string().optional(), VpcId: z.string().optional(), State: z.string().optional() });
export const DescribeNatGateways = z.object({ NatGateways: z.array(NatGateway) });

export const LoadBalancer = z.object({
  LoadBalancerArn: z.string(),
  LoadBalancerName: z.string().optional(),
  DNSName: z.string().optional(),
  // "internet-facing" | "internal"
  Scheme: z.string(),
  // "application" | "network" | "gateway"
  Type: z.string().optional(),
  VpcId: z.string().optional(),
  State: z.object({ Code: z.string() }).optional(),
  AvailabilityZones: z.array(z.object({ ZoneName: z.string().optional(), SubnetId: z.string().optional() })).optional(),
  SecurityGroups: z.array(z.string()).optional(),
  // "ipv4" | "dualstack" | "dualstack-without-public-ipv4"
  IpAddressType: z.string().optional(),
});
export type LoadBalancer = z.infer<typeof LoadBalancer>;
export const DescribeLoadBalancers = z.object({ LoadBalancers: z.array(LoadBalancer) });

const TargetGroupTuple = z.object({ TargetGroupArn: z.string(), Weight: z.number().optional() });
const Action = z.object({
  Type: z.string(),
  TargetGroupArn: z.string().optional(),
  ForwardConfig: z.object({ TargetGroups: z.array(TargetGroupTuple).optional() }).optional(),
  Order: z.number().optional(),
});
export const Listener = z.object({
  ListenerArn: z.string(),
  LoadBalancerArn: z.string(),
  Port: z.number().int().optional(),
  // HTTP | HTTPS | TCP | TLS | UDP | TCP_UDP | GENEVE
  Protocol: z.string().optional(),
  DefaultActions: z.array(Action).optional(),
});
export type Listener = z.infer<typeof Listener>;
export const DescribeListeners = z.object({ Listeners: z.array(Listener) });

export const TargetGroup = z.object({
  TargetGroupArn: z.string(),
  TargetGroupName: z.string().optional(),
  Protocol: z.string().optional(),
  Port: z.number().int().optional(),
  VpcId: z.string().optional(),
  // "instance" | "ip" | "lambda" | "alb"
  TargetType: z.string().optional(),
  LoadBalancerArns: z.array(z.string()).optional(),
});
export type TargetGroup = z.infer<typeof TargetGroup>;
export const DescribeTargetGroups = z.object({ TargetGroups: z.array(TargetGroup) });

export const TargetHealthDescription = z.object({
  Target: z.object({ Id: z.string(), Port: z.number().int().optional(), AvailabilityZone: z.string().optional() }),
  HealthCheckPort: z.string().optional(),
  TargetHealth: z.object({ State: z.string().optional(), Reason: z.string().optional() }).optional(),
});
export type TargetHealthDescription = z.infer<typeof TargetHealthDescription>;
const TargetHealthOutput = z.object({ TargetHealthDescriptions: z.array(TargetHealthDescription) });
/**
 * `describe-target-health` takes one target group and its output does not name it, so the file
 * holds several calls: an object keyed by target group ARN (`{"arn:…": {TargetHealthDescriptions}}`)
 * or a list of `{TargetGroupArn, TargetHealthDescriptions}`.
 */
export const DescribeTargetHealth = z.union([
  z.array(TargetHealthOutput.extend({ TargetGroupArn: z.string() })),
  z.record(z.string().startsWith('arn:'), TargetHealthOutput),
]);

/** The files of an AWS input directory, by name, and the schema of each. */
export const AWS_FILES = {
  'describe-instances.json': DescribeInstances,
  'describe-security-groups.json': DescribeSecurityGroups,
  'describe-subnets.json': DescribeSubnets,
  'describe-route-tables.json': DescribeRouteTables,
  'describe-network-acls.json': DescribeNetworkAcls,
  'describe-internet-gateways.json': DescribeInternetGateways,
  'describe-nat-gateways.json': DescribeNatGateways,
  'elbv2-describe-load-balancers.json': DescribeLoadBalancers,
  'elbv2-describe-listeners.json': DescribeListeners,
  'elbv2-describe-target-groups.json': DescribeTargetGroups,
  'elbv2-describe-target-health.json': DescribeTargetHealth,
} as const;
export type AwsFileName = keyof typeof AWS_FILES;
