/**
 * `iptables-save` / `ip6tables-save` text (the `*filter` table) into firewall chains. Pure.
 * Format: iptables-save(8), iptables-extensions(8) (https://manpages.debian.org/iptables-extensions).
 *
 * Read exactly: the INPUT chain's policy (`:INPUT DROP [0:0]`), user chains, and `-A` rules with
 * `-p`/`--protocol` (tcp, udp, icmp, ipv6-icmp/icmpv6, all, numbers), `-s`/`--source` (a list of
 * CIDRs, `!` negation), `--dport`/`--destination-port` (a port or `a:b`), `-m multiport --dports`
 * (and `--ports`), `--icmp-type` / `--icmpv6-type` (number or name), `-m conntrack --ctstate` / `-m state --state` (a rule without NEW never matches
 * a new connection), `-i lo`, `-j ACCEPT|DROP|REJECT|RETURN|<chain>`, `-g <chain>`; `-m comment`,
 * `-j LOG` and the target's options are ignored. Anything else is an "unsupported rule" note and
 * the rule leans towards reachable (an accept is taken to match, a drop not).
 */
import { parseCidr, type Family } from '../addr.ts';
import { VigilError } from '../../../model/errors.ts';
import type { NetworkNote } from '../finding.ts';
import { icmpType, normalize, range, subtract, trafficOf, trafficOfNumber, UNIVERSE, type PortSet, type Traffic } from '../ports.ts';
import type { Firewall, FwChain, FwRule } from './firewall.ts';

export const IPTABLES_FILE = 'iptables-save.txt';
export const IP6TABLES_FILE = 'ip6tables-save.txt';

/** Splits a rule line as the shell would (iptables-save quotes comments: `--comment "a b"`). */
function tokenize(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

function portSpec(s: string): PortSet | undefined {
  const parts = s.split(',').map((p) => {
    const m = /^(\d+)(?::(\d*))?$/.exec(p);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : m[2] === '' ? 65535 : Number(m[2]);
    return a <= 65535 && b <= 65535 ? range(Math.min(a, b), Math.max(a, b)) : undefined;
  });
  return parts.some((p) => !p) ? undefined : normalize(parts.flatMap((p) => p!));
}

const PROTO_NUM: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, 'ipv6-icmp': 58, icmpv6: 58, all: -1, '0': -1 };

/**
 * Parses one `iptables-save` (family ipv4) or `ip6tables-save` (ipv6) text.
 * @throws VigilError VIGIL_INVALID_INPUT naming the file, the line and the rule (`iptables-save-shape`)
 */
export function parseIptablesSave(text: string, family: Family, input = family === 'ipv4' ? IPTABLES_FILE : IP6TABLES_FILE): Firewall {
  const notes: NetworkNote[] = [];
  const table = new Map<string, FwChain>();
  let current: string | undefined;
  let sawTable = false;
  const lines = text.split('\n');
  const fail = (n: number, why: string): never => {
    throw new VigilError('VIGIL_INVALID_INPUT', `${input}:${n}: ${why}`, { input, rule: 'iptables-save-shape' });
  };
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) { current = line.slice(1); sawTable = true; continue; }
    if (line === 'COMMIT') { current = undefined; continue; }
    if (!current) fail(n, `${JSON.stringify(line.slice(0, 60))} outside a table (*filter … COMMIT)`);
    if (current !== 'filter') continue;
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m) fail(n, `bad chain line ${JSON.stringify(line)}`);
      const [, name, policy] = m!;
      const builtin = policy !== '-';
      table.set(name, { id: `${family === 'ipv4' ? 'iptables' : 'ip6tables'} filter ${name}`, families: [family], rules: [], table, ...(name === 'INPUT' && builtin ? { policy: policy === 'DROP' ? 'drop' : 'accept' } : {}) });
      continue;
    }
    if (!line.startsWith('-A ')) {
      if (/^-[INRD] /.test(line)) fail(n, 'iptables-save prints rules as -A; this looks like a command, not saved rules');
      fail(n, `unexpected line ${JSON.stringify(line.slice(0, 60))}`);
    }
    const tok = tokenize(line);
    const chain = table.get(tok[1]);
    if (!chain) fail(n, `rule for chain ${tok[1]} that was not declared`);
    chain!.rules.push(parseRule(tok.slice(2), n, family, `${input} line ${n}`, chain!.id, input, notes));
  }
  if (!sawTable) throw new VigilError('VIGIL_INVALID_INPUT', `${input}: no table (*filter) — not iptables-save output`, { input, rule: 'iptables-save-shape' });
  const inputChain = table.get('INPUT');
  return { kind: family === 'ipv4' ? 'iptables' : 'ip6tables', input, inputChains: inputChain ? [inputChain] : [], notes };
}

function parseRule(tok: string[], n: number, family: Family, where: string, chainId: string, input: string, notes: NetworkNote[]): FwRule {
  const rule: FwRule = { id: `line ${n}`, unknown: [], verdict: { kind: 'none' } };
  let proto = -1;
  let dports: PortSet | undefined;
  let negProto = false;
  let negPorts = false;
  let target: string | undefined;
  let icmpTypes: PortSet | undefined;
  for (let i = 0; i < tok.length; i++) {
    let t = tok[i];
    let neg = false;
    if (t === '!') { neg = true; t = tok[++i]; }
    const arg = (): string => {
      let v = tok[++i];
      if (v === '!') { neg = true; v = tok[++i]; } // the old `--dport ! 22` order
      return v ?? '';
    };
    switch (t) {
      case '-p': case '--protocol': {
        const v = arg().toLowerCase();
        const num = PROTO_NUM[v] ?? (/^\d+$/.test(v) ? Number(v) : undefined);
        if (num === undefined) rule.unknown.push(`-p ${v}`);
        else { proto = num; negProto = neg; }
        break;
      }
      case '-s': case '--source': case '--src': {
        const v = arg();
        rule.sources = { cidrs: v.split(',').map((c) => parseCidr(c, where)), negate: neg };
        break;
      }
      case '--dport': case '--destination-port': case '--dports': case '--destination-ports': case '--ports': {
        const v = arg();
        const p = portSpec(v);
        if (!p) rule.unknown.push(`${t} ${v}`);
        else { dports = p; negPorts = neg; }
        break;
      }
      case '-m': case '--match': arg(); break;
      case '--state': case '--ctstate': {
        const states = arg().split(',').map((s) => s.toUpperCase());
        if (states.includes('NEW') === neg) rule.never = `${t} ${neg ? '! ' : ''}${states.join(',')} does not match new connections`;
        break;
      }
      case '-i': case '--in-interface': {
        const v = arg();
        if (v === 'lo' && !neg) rule.never = 'only loopback traffic (-i lo)';
        else if (v !== 'lo') rule.unknown.push(`-i ${neg ? '! ' : ''}${v}`);
        break;
      }
      case '--icmp-type': case '--icmpv6-type': {
        const v = arg();
        const type = icmpType(t === '--icmp-type' ? 'icmp' : 'icmpv6', v);
        if (type === undefined) rule.unknown.push(`${t} ${v}`);
        else { icmpTypes = neg ? subtract(UNIVERSE.icmp, range(type, type)) : range(type, type); }
        break;
      }
      case '--comment': arg(); break;
      case '-j': case '--jump': target = arg(); rule.verdict = verdictOf(target); break;
      case '-g': case '--goto': rule.verdict = { kind: 'goto', chain: arg() }; break;
      // options of REJECT and LOG targets: they follow -j and do not match anything
      case '--reject-with': case '--log-prefix': case '--log-level': arg(); break;
      case '--log-uid': case '--log-tcp-options': case '--log-ip-options': case '--log-tcp-sequence': break;
      default:
        rule.unknown.push(`${neg ? '! ' : ''}${t}${tok[i + 1] && !tok[i + 1].startsWith('-') ? ` ${tok[++i]}` : ''}`);
    }
  }
  if (target === 'LOG' || target === 'NFLOG') rule.verdict = { kind: 'none' };
  // protocol and ports into one traffic set
  let tr: Traffic | undefined;
  if (proto !== -1 || dports) {
    if (negProto) {
      tr = {};
      for (const num of [6, 17, 1, 58]) if (num !== proto) Object.assign(tr, trafficOfNumber(num));
      tr = { ...tr, ip: subtract(UNIVERSE.ip, range(proto, proto)) };
    } else if (dports && proto !== 6 && proto !== 17) {
      rule.unknown.push(`--dport without -p tcp or -p udp`);
    } else {
      const ports = dports ? (negPorts ? subtract(UNIVERSE.tcp, dports) : dports) : (proto === 1 || proto === 58) ? icmpTypes : undefined;
      tr = proto === -1 ? undefined : trafficOfNumber(proto, ports);
    }
  }
  if (tr) rule.traffic = tr;
  if (rule.unknown.length > 0 && !rule.never) {
    const leaning = rule.verdict.kind === 'drop' ? 'does not match (the drop is ignored: reachable)' : rule.verdict.kind === 'accept' || rule.verdict.kind === 'none' ? 'matches (reachable)' : 'both matches and does not (what either way accepts counts: reachable)';
    notes.push({ kind: 'unsupported-rule', input, componentId: `${chainId} line ${n}`, message: `not evaluated: ${rule.unknown.join('; ')}`, assumed: `the rule ${leaning}` });
  }
  return rule;
}

function verdictOf(target: string): FwRule['verdict'] {
  switch (target) {
    case 'ACCEPT': return { kind: 'accept' };
    case 'DROP': case 'REJECT': return { kind: 'drop' };
    case 'RETURN': return { kind: 'return' };
    case 'LOG': case 'NFLOG': return { kind: 'none' };
    default: return { kind: 'jump', chain: target };
  }
}
