/**
 * Listening sockets from the kernel's socket tables, /proc/net/{tcp,tcp6,udp,udp6} (proc(5)).
 * Pure: text in, sockets out; no filesystem.
 *
 * Each line after the header is `sl: local rem st tx:rx tr:when retrnsmt uid timeout inode …`.
 * Addresses are the in-kernel 32-bit words printed with %08X, so on a little-endian host
 * 127.0.0.1 reads `0100007F`; IPv6 is four such words (`…01000000` is ::1 little-endian).
 * Ports are printed in host order (`0016` is 22). A TCP socket listens in state 0A (TCP_LISTEN);
 * an unconnected bound UDP socket sits in state 07 (TCP_CLOSE) with a zero remote address.
 * https://www.kernel.org/doc/html/latest/networking/proc_net_tcp.html
 */

export type SocketProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface ListeningSocket {
  protocol: SocketProtocol;
  /** "0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1" (RFC 5952 text form) */
  address: string;
  port: number;
  /** owner uid as the kernel reports it */
  uid?: number;
  /** socket inode (ties the socket to a process through /proc/<pid>/fd, which needs root) */
  inode?: number;
  /** the process holding the socket (the lowest pid when several share it), when /proc/<pid>/fd could be read (root) */
  pid?: number;
  /** that process's name, /proc/<pid>/comm */
  process?: string;
}

/** A line that could not be read: recorded, the rest of the table still counts. */
export interface ProcNetProblem {
  line: number;
  message: string;
}

const TCP_LISTEN = '0A';
const TCP_CLOSE = '07';

/**
 * Parses one table.
 * @param littleEndian byte order of the host that printed it (false for s390x, ppc64, sparc64, mips)
 */
export function parseProcNet(protocol: SocketProtocol, text: string, littleEndian = true): { sockets: ListeningSocket[]; problems: ProcNetProblem[] } {
  const sockets: ListeningSocket[] = [];
  const problems: ProcNetProblem[] = [];
  const v6 = protocol.endsWith('6');
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || (i === 0 && line.startsWith('sl'))) continue;
    const f = line.split(/\s+/);
    // sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
    if (f.length < 10 || !/^\d+:$/.test(f[0])) {
      problems.push({ line: i + 1, message: `not a socket table line: ${JSON.stringify(line.slice(0, 80))}` });
      continue;
    }
    const st = f[3].toUpperCase();
    const listening = protocol.startsWith('tcp') ? st === TCP_LISTEN : st === TCP_CLOSE && /^0+:0+$/.test(f[2]);
    if (!listening) continue;
    const local = parseEndpoint(f[1], v6, littleEndian);
    if (!local) {
      problems.push({ line: i + 1, message: `bad local address ${JSON.stringify(f[1])}` });
      continue;
    }
    const s: ListeningSocket = { protocol, address: local.address, port: local.port };
    const uid = Number(f[7]);
    if (/^\d+$/.test(f[7]) && Number.isSafeInteger(uid)) s.uid = uid;
    const inode = Number(f[9]);
    if (/^\d+$/.test(f[9]) && Number.isSafeInteger(inode)) s.inode = inode;
    sockets.push(s);
  }
  return { sockets, problems };
}

/** "0100007F:0016" → 127.0.0.1 port 22; null when malformed. */
export function parseEndpoint(text: string, v6: boolean, littleEndian = true): { address: string; port: number } | null {
  const m = /^([0-9A-Fa-f]+):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m || m[1].length !== (v6 ? 32 : 8)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < m[1].length; w += 8) {
    const word = [0, 2, 4, 6].map((j) => parseInt(m[1].slice(w + j, w + j + 2), 16));
    bytes.push(...(littleEndian ? word.reverse() : word));
  }
  const port = parseInt(m[2], 16);
  return { address: v6 ? formatIPv6(bytes) : bytes.join('.'), port };
}

/** RFC 5952: lower case, leading zeros dropped, the longest run (≥ 2) of zero groups as "::", IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(bytes: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** Whether `uname -m` names a big-endian machine (the tables are printed in host byte order). */
export function isBigEndianMachine(machine: string): boolean {
  return /^(s390x?|ppc|ppc64|powerpc|sparc|sparc64|mips|mips64|m68k|hppa|parisc|aarch64_be|armeb|or1k)$/.test(machine.trim());
}

/** Sorted by protocol, address, port; duplicates (one socket printed twice) dropped. */
export function sortSockets(list: ListeningSocket[]): ListeningSocket[] {
  const seen = new Set<string>();
  const out: ListeningSocket[] = [];
  for (const s of list) {
    const k = `${s.protocol} ${s.address} ${s.port} ${s.inode ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(s);
  }
  return out.sort((a, b) => (a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0) || a.port - b.port);
}
