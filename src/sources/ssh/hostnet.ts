/**
 * What network reachability analysis needs from a host, besides its listening sockets: the host
 * firewall (`nft -j list ruleset`, `iptables-save`, `ip6tables-save` as printed), the process
 * behind each listening socket, and the EC2 instance id. Pure: what the SSH script or the agent
 * gathered in, validated values out. Everything here may come from a hostile host: shapes are
 * checked, sizes capped, nothing throws.
 */
import type { ListeningSocket } from './proc-net.ts';

/** Each firewall text is kept up to this many bytes (UTF-8); a longer one is left out with a note. */
export const FIREWALL_MAX_BYTES = 4 * 1024 * 1024;
/** /proc/<pid> directories looked at for socket owners (the first ones, in /proc's order). */
export const MAX_PIDS_SCANNED = 4096;
/** Longest process name kept (the kernel's comm is at most 15 bytes). */
export const MAX_PROCESS_CHARS = 64;
/** An EC2 instance id (8 hex digits for old instances, 17 for current ones). */
export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
/** Where the instance id is read, in this order; never a network call (no metadata service). */
export const INSTANCE_ID_FILES = ['sys/devices/virtual/dmi/id/board_asset_tag', 'var/lib/cloud/data/instance-id'] as const;

export type FirewallName = 'nft' | 'iptables' | 'ip6tables';
/** The commands, as run (the binary looked up in PATH, then /usr/sbin, /sbin, /usr/local/sbin). */
export const FIREWALL_COMMANDS: Record<FirewallName, readonly string[]> = {
  nft: ['nft', '-j', 'list', 'ruleset'],
  iptables: ['iptables-save'],
  ip6tables: ['ip6tables-save'],
};
export const FIREWALL_NAMES: readonly FirewallName[] = ['nft', 'iptables', 'ip6tables'];

export interface HostFirewall {
  /** stdout of `nft -j list ruleset` */
  nft?: string;
  /** stdout of `iptables-save` */
  iptables?: string;
  /** stdout of `ip6tables-save` */
  ip6tables?: string;
  /** why a text is missing: command not found, not root, failed, too large, not JSON */
  notes?: string[];
}

/** One firewall command as it went. */
export interface FirewallRun {
  name: FirewallName;
  /** the command does not exist on the host */
  missing?: boolean;
  /** exit status; undefined when the run was cut short (no status reported), null when killed */
  exit?: number | null;
  /** what it printed on stdout (at most FIREWALL_MAX_BYTES + 1 bytes were read) */
  stdout?: string;
  /** more than FIREWALL_MAX_BYTES were printed (known without holding them) */
  tooLarge?: boolean;
  /** a reason given by the collector (no shell, no `head`, timeout …) */
  note?: string;
}

/**
 * The firewall texts kept and the notes for those that are not.
 * @param who whether the collector ran as root, or through passwordless `sudo -n`
 */
export function firewallOf(runs: FirewallRun[], who: { root: boolean; sudo?: boolean }): HostFirewall {
  const fw: HostFirewall = {};
  const notes: string[] = [];
  for (const name of FIREWALL_NAMES) {
    const r = runs.find((x) => x.name === name);
    const cmd = FIREWALL_COMMANDS[name].join(' ');
    if (!r) {
      notes.push(`${cmd}: not run`);
      continue;
    }
    if (r.note) {
      notes.push(`${cmd}: ${r.note}`);
      continue;
    }
    if (r.missing) {
      notes.push(`${cmd}: command not found on the host`);
      continue;
    }
    const text = r.stdout ?? '';
    if (r.tooLarge || Buffer.byteLength(text, 'utf8') > FIREWALL_MAX_BYTES) {
      notes.push(`${cmd}: printed more than ${FIREWALL_MAX_BYTES} bytes; left out`);
      continue;
    }
    if (r.exit === undefined) {
      notes.push(`${cmd}: the output was cut short (no exit status); left out`);
      continue;
    }
    if (r.exit !== 0) {
      const why = who.root ? '' : who.sudo ? ' (run through sudo -n: not permitted?)' : ': not root and no passwordless sudo (sudo -n); reading the firewall needs root';
      notes.push(`${cmd}: ${r.exit === null ? 'killed' : `exited ${r.exit}`}${why}; left out`);
      continue;
    }
    if (text.includes('\0')) {
      notes.push(`${cmd}: the output holds NUL bytes (not text); left out`);
      continue;
    }
    if (name !== 'nft' && !/^\*/m.test(text)) {
      // iptables-save prints nothing (or only comments) when no table is loaded: nothing filters
      notes.push(`${cmd}: printed no table (no ${name} rules loaded)`);
      continue;
    }
    if (name === 'nft') {
      let ok = false;
      try {
        const j = JSON.parse(text) as unknown;
        ok = typeof j === 'object' && j !== null && Array.isArray((j as { nftables?: unknown }).nftables);
      } catch {
        ok = false;
      }
      if (!ok) {
        notes.push(`${cmd}: the output is not nft's JSON ({"nftables": [...]}); left out`);
        continue;
      }
    }
    fw[name] = text;
  }
  if (notes.length) fw.notes = notes;
  return fw;
}

/** The instance id from the DMI asset tag, else cloud-init's file; undefined when neither is one. */
export function parseInstanceId(boardAssetTag: string | undefined | null, cloudInstanceId: string | undefined | null): string | undefined {
  for (const v of [boardAssetTag, cloudInstanceId]) {
    if (typeof v !== 'string' || v.length > 256) continue;
    const t = v.trim();
    if (INSTANCE_ID.test(t)) return t;
  }
  return undefined;
}

/** A process name as shown: control characters dropped, at most MAX_PROCESS_CHARS; undefined when nothing is left. */
export function cleanProcessName(comm: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const s = comm.replace(/\n$/, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, MAX_PROCESS_CHARS);
  return s === '' ? undefined : s;
}

/** A socket's owner: pid and process name (comm). */
export interface SocketOwner {
  pid: number;
  inode: number;
  process?: string;
}

/**
 * Parses the script's "procs" section: lines `<pid> <inode> <comm>`. Malformed lines are dropped.
 * At most `max` lines are read.
 */
export function parseOwnerLines(text: string, max = 65536): SocketOwner[] {
  const out: SocketOwner[] = [];
  for (const line of text.split('\n').slice(0, max)) {
    const m = /^(\d{1,8}) (\d{1,20}) ?(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const inode = Number(m[2]);
    if (!Number.isSafeInteger(inode) || inode <= 0 || pid <= 0 || pid > 4_194_304) continue;
    const o: SocketOwner = { pid, inode };
    const p = cleanProcessName(m[3]);
    if (p) o.process = p;
    out.push(o);
  }
  return out;
}

/**
 * The sockets with `pid` and `process` set from their owners (matched by inode; a socket shared by
 * several processes — a forking server — is named after the lowest pid). New objects; only
 * sockets whose inode is listening get an owner.
 */
export function withOwners(sockets: ListeningSocket[], owners: SocketOwner[]): ListeningSocket[] {
  const byInode = new Map<number, SocketOwner>();
  for (const o of owners) {
    const prev = byInode.get(o.inode);
    if (!prev || o.pid < prev.pid || (o.pid === prev.pid && !prev.process)) byInode.set(o.inode, o);
  }
  return sockets.map((s) => {
    const o = s.inode !== undefined && s.inode > 0 ? byInode.get(s.inode) : undefined;
    if (!o) return s;
    return { ...s, pid: o.pid, ...(o.process ? { process: o.process } : {}) };
  });
}
