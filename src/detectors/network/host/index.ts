/**
 * Host reachability: the host firewall (nft.json, iptables-save.txt, ip6tables-save.txt) and the
 * listening sockets (listening.json) into findings that say both "reachable from the internet"
 * and "something listens there". Pure: texts in, findings out.
 */
import { z } from 'zod';
import { describeSources, familyOf, isPublicAddress, normalizeAddrs, type Family } from '../addr.ts';
import { VigilError } from '../../../model/errors.ts';
import { findingKey, sortResult, type NetworkFinding, type NetworkNote, type NetworkResult, type PathStep } from '../finding.ts';
import { overlaps, range, type Proto } from '../ports.ts';
import { openFromInternet, type Firewall, type FirewallOpen } from './firewall.ts';
import { IP6TABLES_FILE, IPTABLES_FILE, parseIptablesSave } from './iptables.ts';
import { NFT_FILE, parseNft } from './nft.ts';

export { parseNft, NFT_FILE } from './nft.ts';
export { parseIptablesSave, IPTABLES_FILE, IP6TABLES_FILE } from './iptables.ts';
export { openFromInternet, type Firewall, type FirewallOpen } from './firewall.ts';

export const LISTENING_FILE = 'listening.json';
export const HOST_FILES = [NFT_FILE, IPTABLES_FILE, IP6TABLES_FILE, LISTENING_FILE] as const;
export type HostFileName = (typeof HOST_FILES)[number];

/** A socket as the SSH source and the agent collect it (src/sources/ssh/proc-net.ts), plus the process when known. */
const Socket = z.object({
  protocol: z.enum(['tcp', 'tcp6', 'udp', 'udp6']),
  address: z.string(),
  port: z.number().int().min(0).max(65535),
  uid: z.number().int().optional(),
  inode: z.number().int().optional(),
  process: z.string().optional(),
  pid: z.number().int().optional(),
});
export type HostSocket = z.infer<typeof Socket>;
const SocketList = z.array(Socket);
// an agent report or a host resource's attributes: {hostname, listening: [...]}
const Report = z.object({ hostname: z.string().optional(), listening: z.array(Socket) });

export interface HostInputs {
  hostname?: string;
  firewalls: Firewall[];
  /** which families no firewall file covers */
  unfiltered: Family[];
  sockets?: HostSocket[];
  notes: NetworkNote[];
}

/**
 * Parses the host files given (name → text).
 * @throws VigilError VIGIL_INVALID_INPUT naming the file and the rule for a malformed one
 */
export function parseHostInputs(files: Partial<Record<HostFileName, string>>): HostInputs {
  const firewalls: Firewall[] = [];
  const notes: NetworkNote[] = [];
  if (files[NFT_FILE] !== undefined) firewalls.push(parseNft(files[NFT_FILE]!));
  if (files[IPTABLES_FILE] !== undefined) firewalls.push(parseIptablesSave(files[IPTABLES_FILE]!, 'ipv4'));
  if (files[IP6TABLES_FILE] !== undefined) firewalls.push(parseIptablesSave(files[IP6TABLES_FILE]!, 'ipv6'));
  const unfiltered: Family[] = [];
  if (files[NFT_FILE] === undefined) {
    // nftables covers both families in one file; iptables-save one each
    if (files[IPTABLES_FILE] === undefined) unfiltered.push('ipv4');
    if (files[IP6TABLES_FILE] === undefined) unfiltered.push('ipv6');
    for (const f of unfiltered) notes.push({ kind: 'incomplete-input', input: f === 'ipv4' ? `${NFT_FILE}, ${IPTABLES_FILE}` : `${NFT_FILE}, ${IP6TABLES_FILE}`, message: `no firewall for ${f === 'ipv4' ? 'IPv4' : 'IPv6'} in the directory`, assumed: 'no filtering: every port open' });
  }
  let hostname: string | undefined;
  let sockets: HostSocket[] | undefined;
  if (files[LISTENING_FILE] !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(files[LISTENING_FILE]!);
    } catch (err) {
      throw new VigilError('VIGIL_INVALID_INPUT', `${LISTENING_FILE}: not JSON (${(err as Error).message})`, { input: LISTENING_FILE, rule: 'not-json', cause: err });
    }
    const r = Array.isArray(json) ? SocketList.safeParse(json) : Report.safeParse(json);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new VigilError('VIGIL_INVALID_INPUT', `${LISTENING_FILE}: expected a list of sockets {protocol: tcp|tcp6|udp|udp6, address, port} or {hostname, listening: [...]}: ${i.path.join('.') || '(top level)'}: ${i.message}`, { input: LISTENING_FILE, rule: 'listening-shape', cause: r.error });
    }
    if (Array.isArray(r.data)) sockets = r.data;
    else {
      const rep = r.data as z.infer<typeof Report>;
      sockets = rep.listening;
      hostname = rep.hostname;
    }
  }
  return { hostname, firewalls, unfiltered, sockets, notes: [...notes, ...firewalls.flatMap((f) => f.notes)] };
}

/** Which internet families reach a socket: a wildcard or public address; a private one through 1:1 NAT; never loopback or link-local. */
function familiesReaching(s: HostSocket): { families: Family[]; viaNat: boolean } {
  const a = s.address.toLowerCase();
  if (a === '0.0.0.0') return { families: ['ipv4'], viaNat: false };
  // "::" accepts IPv4 too unless the socket is IPV6_V6ONLY, which /proc/net does not show
  if (a === '::') return { families: ['ipv4', 'ipv6'], viaNat: false };
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  const addr = mapped ? mapped[1] : a;
  const fam = familyOf(addr);
  if (!fam) return { families: [], viaNat: false };
  if (/^127\./.test(addr) || addr === '::1' || /^169\.254\./.test(addr) || /^fe[89ab]/.test(addr)) return { families: [], viaNat: false };
  if (isPublicAddress(addr)) return { families: [fam], viaNat: false };
  return { families: [fam], viaNat: true };
}

/**
 * Host findings: one per (family, protocol, port) where the firewall lets new connections from
 * the internet in and a socket listens, naming the socket(s) and the process when known.
 */
export function analyzeHost(h: HostInputs, opts: { hostName?: string } = {}): NetworkResult {
  const notes = [...h.notes];
  const host = h.hostname ?? opts.hostName ?? 'host';
  const findings: NetworkFinding[] = [];
  // a family no firewall has a chain for passes unfiltered (parseHostInputs noted the missing file)
  const open: Record<Family, FirewallOpen> = { ipv4: openFromInternet(h.firewalls, 'ipv4'), ipv6: openFromInternet(h.firewalls, 'ipv6') };
  notes.push(...h.firewalls.flatMap((fw) => fw.notes.filter((n) => !h.notes.includes(n))));
  if (!h.sockets) {
    notes.push({ kind: 'incomplete-input', input: LISTENING_FILE, message: 'no listening sockets: the firewall\'s open ports are not findings until something is known to listen there', assumed: 'no finding' });
    return sortResult({ findings, notes });
  }
  let natNoted = false;
  const groups = new Map<string, { family: Family; proto: Proto; port: number; sockets: HostSocket[] }>();
  for (const s of h.sockets) {
    const proto: Proto = s.protocol.startsWith('tcp') ? 'tcp' : 'udp';
    const { families, viaNat } = familiesReaching(s);
    if (viaNat && !natNoted) {
      natNoted = true;
      notes.push({ kind: 'assumption', input: LISTENING_FILE, message: `sockets on private addresses (first: ${s.address}:${s.port}) are counted as reachable: a 1:1 NAT (an EC2 public IP, a port forward) maps internet traffic to them`, assumed: 'reachable' });
    }
    for (const family of families) {
      const k = `${family} ${proto} ${s.port}`;
      if (!groups.has(k)) groups.set(k, { family, proto, port: s.port, sockets: [] });
      groups.get(k)!.sockets.push(s);
    }
  }
  const fwKinds = h.firewalls.map((f) => f.kind);
  for (const g of groups.values()) {
    const o = open[g.family];
    const ports = range(g.port, g.port);
    if (!o.total[g.proto] || !overlaps(o.total[g.proto]!, ports)) continue;
    const classes = o.perClass.filter((c) => c.traffic[g.proto] && overlaps(c.traffic[g.proto]!, ports));
    const { sources, except } = describeSources(normalizeAddrs(classes.map((c) => c.interval)), g.family);
    const rules = [...new Set(classes.flatMap((c) => c.acceptedBy.filter((b) => b.traffic[g.proto] && overlaps(b.traffic[g.proto]!, ports)).map((b) => b.by)))].sort();
    const sockets = [...g.sockets].sort((a, b) => a.protocol.localeCompare(b.protocol) || a.address.localeCompare(b.address));
    const steps: PathStep[] = [
      { componentId: fwKinds.length ? fwKinds.join('+') : 'none', componentType: 'Host::Firewall' },
      ...rules.map((r) => ({ componentId: r, componentType: 'Host::FirewallRule' as const })),
      ...sockets.map((s) => ({ componentId: `${s.protocol} ${s.address.includes(':') ? `[${s.address}]` : s.address}:${s.port}`, componentType: 'Host::Socket' as const })),
      ...sockets.filter((s) => s.process || s.pid !== undefined).map((s) => ({ componentId: `${s.process ?? '?'}${s.pid !== undefined ? `[${s.pid}]` : ''}`, componentType: 'Host::Process' as const })),
    ];
    const base = {
      type: 'NETWORK_REACHABILITY' as const, resourceId: host, resourceType: 'Host' as const, protocol: g.proto, openPortRange: { begin: g.port, end: g.port },
      addressFamily: g.family, sources, ...(except ? { sourcesExcept: except } : {}), destination: sockets[0].address, networkPath: { steps },
      listeners: sockets.map((s) => ({ protocol: s.protocol, address: s.address, port: s.port, ...(s.process ? { process: s.process } : {}), ...(s.pid !== undefined ? { pid: s.pid } : {}), ...(s.uid !== undefined ? { uid: s.uid } : {}) })),
    };
    const who = sockets.map((s) => `${s.process ?? (s.uid !== undefined ? `uid ${s.uid}` : 'unknown process')} on ${s.address}:${s.port}`).join(', ');
    findings.push({ ...base, key: findingKey(base), explanation: `${g.proto} ${g.port} on ${host} is reachable from ${sources.join(', ')}${except ? ` except ${except.join(', ')}` : ''} (${rules.length ? `accepted by ${rules.join(', ')}` : 'no firewall'}) and ${who} listens there` });
  }
  return sortResult({ findings, notes });
}
