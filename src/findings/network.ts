/**
 * NETWORK_REACHABILITY findings (issue 16): the paths the network analysis (src/detectors/network) found from
 * the internet to a resource become findings of type `network_reachability` in the same table,
 * lifecycle and events as package findings — created when a path appears, updated when what is
 * known about it changes (its listeners, its score), closed when the topology no longer has it.
 *
 * Each is scored by formula `vigil-net-1` ({@link networkScore}, published in docs/scoring.md): the
 * exposure of the port range (its class), then whether every internet address reaches it, then
 * whether something listens there (when the host said what listens). Package findings keep their
 * own writers: scans and rematches never read or close these (PACKAGE_FINDING_TYPES).
 */
import { hash } from 'node:crypto';
import { severityFromScore, type NetworkScoringInputs, type ScoreAdjustment, type VigilScoring } from '../model/index.ts';
import type { NetworkFinding } from '../detectors/network/index.ts';
import { lockFindings, applyFindings, stateHashOf, type ComparedFinding, type DesiredFinding, type ResourceView } from './lifecycle.ts';
import { findingKeyOf } from './keys.ts';
import { activeRules } from './suppression.ts';
import type { Db, LifecycleCounts, SuppressionRule } from './types.ts';
import type { Dialect } from '../store/index.ts';

/** The finding type of network paths from the internet. */
export const NETWORK_FINDING_TYPE = 'network_reachability' as const;
/** The finding types scans and rematches write (and close): everything but the network analysis's. */
export const PACKAGE_FINDING_TYPES = ['vulnerability', 'malicious'] as const;
export const NETWORK_SCORING_FORMULA = 'vigil-net-1' as const;
/** The coverage reason of a host made for an EC2 instance that only a network topology knows (engine/network.ts): nothing to scan it with. */
export const UNMANAGED_EC2_INSTANCE = 'UNMANAGED_EC2_INSTANCE';

/** Every weight of vigil-net-1: the one source docs/scoring.md is checked against. */
export const NETWORK_SCORE_WEIGHTS = {
  /** a range wider than this many ports (or every IP protocol) is "wide" */
  WIDE_RANGE: 1000,
  /** base score by port class */
  WIDE: 8.6,
  ADMIN: 7.5,
  OTHER: 5.3,
  WEB: 3.1,
  ICMP: 2.0,
  /** reachable only from some internet CIDRs, not from every address: subtracted */
  SOME_SOURCES_PENALTY: 2.0,
  /** the host says a process listens in the range: added (the path ends in a service) */
  LISTENING_BONUS: 0.5,
  /** the host says nothing it lets through listens in the range: subtracted */
  NOT_LISTENING_PENALTY: 3.0,
} as const;

/**
 * Ports whose exposure to the internet is rarely intended: remote administration, databases,
 * caches, message brokers, cluster and container APIs, file sharing, legacy cleartext services.
 */
export const ADMIN_PORTS: Readonly<Record<number, string>> = {
  20: 'FTP data', 21: 'FTP', 22: 'SSH', 23: 'Telnet', 69: 'TFTP', 111: 'rpcbind', 135: 'MS RPC', 137: 'NetBIOS', 138: 'NetBIOS', 139: 'NetBIOS', 161: 'SNMP',
  389: 'LDAP', 445: 'SMB', 512: 'rexec', 513: 'rlogin', 514: 'rsh/syslog', 873: 'rsync', 1433: 'SQL Server', 1521: 'Oracle', 2049: 'NFS', 2375: 'Docker API',
  2376: 'Docker API (TLS)', 2379: 'etcd', 2380: 'etcd peer', 3306: 'MySQL', 3389: 'RDP', 4222: 'NATS', 5432: 'PostgreSQL', 5601: 'Kibana', 5672: 'AMQP', 5900: 'VNC',
  5984: 'CouchDB', 5985: 'WinRM', 5986: 'WinRM (TLS)', 6379: 'Redis', 6443: 'Kubernetes API', 7001: 'WebLogic', 8500: 'Consul', 9042: 'Cassandra', 9092: 'Kafka',
  9200: 'Elasticsearch', 9300: 'Elasticsearch transport', 10250: 'kubelet', 11211: 'Memcached', 15672: 'RabbitMQ management', 27017: 'MongoDB',
};
/** Ports that serve the web: what internet-facing hosts are for. */
export const WEB_PORTS: Readonly<Record<number, string>> = { 80: 'HTTP', 443: 'HTTPS', 8080: 'HTTP alternate', 8443: 'HTTPS alternate' };
const OTHER_NAMES: Readonly<Record<number, string>> = { 25: 'SMTP', 53: 'DNS', 123: 'NTP', 465: 'SMTPS', 587: 'SMTP submission', 993: 'IMAPS', 995: 'POP3S', 500: 'IKE', 4500: 'IPsec NAT-T', 1194: 'OpenVPN', 51820: 'WireGuard' };

/** The service name of a port, when it is a well-known one. */
export function serviceOf(port: number): string | undefined {
  return ADMIN_PORTS[port] ?? WEB_PORTS[port] ?? OTHER_NAMES[port];
}

const bound = (x: number) => Math.min(10, Math.max(0, Math.round(x * 10 + 1e-9) / 10));
const fmt = (x: number) => x.toFixed(1);
const ANY = new Set(['0.0.0.0/0', '::/0']);

/** The class of a finding's range and the ports that decided it. */
export function portClassOf(f: Pick<NetworkFinding, 'protocol' | 'openPortRange'>): Pick<NetworkScoringInputs, 'portClass' | 'ports'> {
  const { begin, end } = f.openPortRange;
  if (f.protocol === 'icmp' || f.protocol === 'icmpv6') return { portClass: 'icmp' };
  if (f.protocol === 'ip') return { portClass: 'wide' };
  if (end - begin + 1 > NETWORK_SCORE_WEIGHTS.WIDE_RANGE) return { portClass: 'wide' };
  const inRange = (table: Readonly<Record<number, string>>) => Object.keys(table).map(Number).filter((p) => p >= begin && p <= end);
  const admin = inRange(ADMIN_PORTS);
  if (admin.length) return { portClass: 'admin', ports: admin };
  const web = inRange(WEB_PORTS);
  if (web.length && end - begin + 1 === web.length) return { portClass: 'web', ports: web };
  return { portClass: 'other' };
}

const portWords = (f: Pick<NetworkFinding, 'protocol' | 'openPortRange'>) => {
  const { begin, end } = f.openPortRange;
  if (f.protocol === 'icmp' || f.protocol === 'icmpv6') return begin === end ? `${f.protocol.toUpperCase()} type ${begin}` : `${f.protocol.toUpperCase()} types ${begin}-${end}`;
  if (f.protocol === 'ip') return begin === end ? `IP protocol ${begin}` : `IP protocols ${begin}-${end}`;
  if (begin === end) { const s = serviceOf(begin); return `Port ${begin}${s ? ` (${s})` : ''}`; }
  return begin === 0 && end === 65535 ? 'Every port' : `Ports ${begin}-${end}`;
};

/**
 * The vigil-net-1 score of a path: the exposure of its range, then `sources` (only some internet
 * CIDRs reach it), then `listener` (when the host said what listens). Each step one adjustment.
 */
export function networkScore(inputs: NetworkScoringInputs, f: Pick<NetworkFinding, 'protocol' | 'openPortRange' | 'sources'>): VigilScoring {
  const W = NETWORK_SCORE_WEIGHTS;
  const adjustments: ScoreAdjustment[] = [];
  const base: number = { wide: W.WIDE, admin: W.ADMIN, other: W.OTHER, web: W.WEB, icmp: W.ICMP }[inputs.portClass];
  const what = portWords(f);
  const why = {
    wide: f.protocol === 'ip' ? 'every port of other IP protocols' : `more than ${W.WIDE_RANGE} ports: whatever listens there now or later is exposed`,
    admin: `${(inputs.ports ?? []).map((p) => `${p} (${ADMIN_PORTS[p]})`).join(', ')}: remote administration, a data store or a cluster API, rarely meant for the internet`,
    web: 'web ports only: what internet-facing hosts serve',
    icmp: 'ICMP: diagnostics, no service behind it',
    other: 'a port of no well-known exposure class',
  }[inputs.portClass];
  let score: number = base;
  adjustments.push({ metric: 'exposure', from: null, to: base, reason: `${what} open to the internet — ${inputs.portClass}: ${why}` });
  if (!inputs.allSources) {
    const to = bound(score - W.SOME_SOURCES_PENALTY);
    adjustments.push({ metric: 'sources', from: score, to, reason: `reachable only from ${f.sources.join(', ')}, not from every internet address (-${fmt(W.SOME_SOURCES_PENALTY)})` });
    score = to;
  }
  if (inputs.listening === true) {
    const to = bound(score + W.LISTENING_BONUS);
    adjustments.push({ metric: 'listener', from: score, to, reason: `${inputs.processes?.length ? inputs.processes.join(', ') : 'a process'} listens there (+${fmt(W.LISTENING_BONUS)})` });
    score = to;
  } else if (inputs.listening === false) {
    const to = bound(score - W.NOT_LISTENING_PENALTY);
    adjustments.push({ metric: 'listener', from: score, to, reason: `nothing the host firewall lets through listens in the range now (-${fmt(W.NOT_LISTENING_PENALTY)})` });
    score = to;
  }
  return { formula: NETWORK_SCORING_FORMULA, base: null, basis: 'network', inputs: { fixAvailable: false, network: inputs }, adjustments, score, severity: severityFromScore(score) };
}

/** Where a desired network finding came from: the topology's analysis, the host's, or both. */
export interface NetworkFindingInput {
  finding: NetworkFinding;
  source: 'aws' | 'host' | 'aws+host';
  /** the topology (its name) an AWS path came from */
  topology?: string;
  instanceId?: string;
  /** host data known for the resource: the listeners in the range (empty: nothing listens); absent: no host data */
  hostListeners?: NonNullable<NetworkFinding['listeners']>;
}

/** The finding's vulnerability id: NET-TCP-22, NET-TCP-1024-65535, NET-ICMP-8, NET-IP-47. */
export function networkVulnerabilityId(f: Pick<NetworkFinding, 'protocol' | 'openPortRange'>): string {
  const { begin, end } = f.openPortRange;
  return `NET-${f.protocol.toUpperCase()}-${begin === end ? begin : `${begin}-${end}`}`;
}

/** Inspector's title form: "Port 22 (SSH) is reachable from the internet (IPv4) through internet gateway igw-1 - TCP". */
export function networkTitle(n: NetworkFindingInput): string {
  const f = n.finding;
  const fam = f.addressFamily === 'ipv6' ? 'IPv6' : 'IPv4';
  const lb = f.networkPath.steps.find((s) => s.componentType === 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const igw = f.networkPath.steps.find((s) => s.componentType === 'AWS::EC2::InternetGateway');
  const what = portWords(f);
  const verb = /^(Ports|ICMP types|IP protocols)/.test(what) ? 'are' : 'is';
  const procs = [...new Set((n.hostListeners ?? f.listeners ?? []).map((l) => l.process).filter((p): p is string => !!p))];
  const listens = procs.length ? `; ${procs.join(', ')} ${procs.length > 1 ? 'listen' : 'listens'}` : '';
  if (n.source === 'host') {
    return `${what} ${verb} open to the internet (${fam}) in the host firewall${procs.length ? ` and ${procs.join(', ')} ${procs.length > 1 ? 'listen' : 'listens'} there` : ' and something listens there'} - ${f.protocol.toUpperCase()}`;
  }
  const via = lb ? `load balancer ${lbName(lb.componentId)}` : igw ? `internet gateway ${igw.componentId}` : 'the internet';
  return `${what} ${verb} reachable from the internet (${fam}) through ${via}${listens} - ${f.protocol.toUpperCase()}`;
}

/** "app/web/50dc6c495c0c9188" of an ELBv2 ARN → "web". */
function lbName(arn: string): string {
  const m = /:loadbalancer\/(?:app|net|gwy)\/([^/]+)\//.exec(arn);
  return m ? m[1] : arn;
}

/** The desired finding of one path on one resource. */
export function networkDesired(accountId: string, resourceId: string, n: NetworkFindingInput): DesiredFinding {
  const f = n.finding;
  const hostKnown = n.hostListeners !== undefined;
  const listeners = hostKnown ? n.hostListeners! : f.listeners;
  const scoring = networkScore({
    ...portClassOf(f),
    allSources: f.sources.some((s) => ANY.has(s)),
    ...(hostKnown ? { listening: n.hostListeners!.length > 0 } : {}),
    ...(listeners?.some((l) => l.process) ? { processes: [...new Set(listeners.map((l) => l.process).filter((p): p is string => !!p))].sort() } : {}),
  }, f);
  const networkReachability = {
    protocol: f.protocol, openPortRange: f.openPortRange, addressFamily: f.addressFamily, sources: f.sources,
    ...(f.sourcesExcept ? { sourcesExcept: f.sourcesExcept } : {}), ...(f.destination ? { destination: f.destination } : {}),
    networkPath: f.networkPath, ...(f.loadBalancer ? { loadBalancer: f.loadBalancer } : {}), ...(listeners ? { listeners } : {}),
    explanation: f.explanation + (hostKnown && n.source !== 'host' ? (n.hostListeners!.length ? `; on the host: ${n.hostListeners!.map((l) => `${l.process ?? 'a process'} on ${l.address}:${l.port}`).join(', ')}` : '; on the host: nothing the host firewall lets through listens in the range') : ''),
    source: n.source, ...(n.topology ? { topology: n.topology } : {}), ...(n.instanceId ? { instanceId: n.instanceId } : {}),
  };
  const vulnerability = networkVulnerabilityId(f);
  const details = JSON.stringify({ advisories: [], aliases: [], networkReachability, scoring });
  const t = {
    type: NETWORK_FINDING_TYPE, vulnerability_id: vulnerability, advisory_id: n.topology ? `${n.source}:${n.topology}` : n.source,
    package_ecosystem: '', package_name: `${f.protocol}/${f.openPortRange.begin === f.openPortRange.end ? f.openPortRange.begin : `${f.openPortRange.begin}-${f.openPortRange.end}`}`,
    package_version: '', package_purl: null, package_location: f.key, package_locations: null, package_layer: null,
    severity: scoring.severity, score: scoring.score, fix_available: 0, fixed_version: null, exploit_available: 0,
    aliases: [], details, details_hash: hash('sha256', details, 'hex'), state_hash: '', title: networkTitle(n), fix_availability: 'NO' as const, epss: null, scoring,
  };
  t.state_hash = stateHashOf(t);
  return { ...t, key: findingKeyOf(accountId, resourceId, t.type, t.vulnerability_id, t.package_ecosystem, t.package_name, t.package_location) };
}

/**
 * Brings one resource's network findings to `desired` (one path each; paths with the same key —
 * the same path given twice — count once): new paths ACTIVE or SUPPRESSED by a rule in force,
 * changed ones updated, gone ones CLOSED, with events. Runs in the caller's transaction, which
 * must hold the findings lock ({@link lockFindings}).
 */
export async function applyNetworkFindingsIn(trx: Db, resource: ResourceView, desired: readonly NetworkFindingInput[], now: Date,
  /** read already (many resources at once): the resource's stored network findings, the account's rules in force */
  pre?: { existing: readonly ComparedFinding[]; rules: readonly SuppressionRule[] }): Promise<LifecycleCounts> {
  const byKey = new Map<string, DesiredFinding>();
  for (const n of desired) {
    const d = networkDesired(resource.account_id, resource.id, n);
    if (!byKey.has(d.key)) byKey.set(d.key, d);
  }
  const existing = pre?.existing ?? await trx.selectFrom('findings').selectAll().where('resource_id', '=', resource.id).where('type', '=', NETWORK_FINDING_TYPE).execute();
  const rules = pre?.rules ?? await activeRules(trx, resource.account_id, now);
  const counts: LifecycleCounts = { created: 0, updated: 0, reopened: 0, closed: 0, unchanged: 0 };
  await applyFindings(trx, { resource, desired: [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1)), existing, rules, now, observe: true, counts });
  return counts;
}

/** {@link applyNetworkFindingsIn} in a transaction of its own. */
export async function applyNetworkFindings(db: Db, dialect: Dialect, resource: ResourceView, desired: readonly NetworkFindingInput[], now: Date): Promise<LifecycleCounts> {
  return db.transaction().execute(async (trx) => {
    await lockFindings(trx, dialect);
    return applyNetworkFindingsIn(trx, resource, desired, now);
  });
}
