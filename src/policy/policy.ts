/**
 * The operator's target policy: which local paths and which network addresses a target may reach.
 *
 * Two kinds of policy exist. The *operator* policy (`TargetPolicy.operator()`) is what `vigil scan`
 * and `vigil agent` use on the user's own machine: everything is allowed, and errors keep their
 * detail. A *tenant* policy (`TargetPolicy.forTenants({ allowPaths, allowNetworks })`) is what the
 * server's engine uses for targets registered through the API: local paths only under an allowed
 * directory (after resolving symlinks), network connections never to loopback, private, link-local,
 * CGNAT, unique-local, multicast, unspecified, reserved or cloud-metadata addresses (nor the
 * IPv4-mapped/-embedded IPv6 forms of those) unless an allowed CIDR covers them, and every failure
 * to connect reported as one uniform "unreachable" so that a tenant cannot tell a closed port from
 * a filtered one or a non-existent host.
 *
 * Every connection is checked on the address it will use: a host name is resolved once, the
 * addresses are checked, and the connection goes to that exact address (no second lookup a DNS
 * rebinding could answer differently). See README.md.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { realpath, stat } from 'node:fs/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import ipaddr from 'ipaddr.js';
import { VigilError } from '../model/errors.ts';
import { createAgents, fetchThrough, type FetchLike, type PolicyAgents } from './http.ts';

/** Resolves a host name to its addresses (dns.lookup with all: true by default). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

export interface TenantPolicyOptions {
  /** directories whose contents tenants' local targets (rootfs, local repositories) may read (`--allow-path`) */
  allowPaths?: readonly string[];
  /** CIDRs (or single addresses) tenants' network targets may reach even though they are not public (`--allow-network`) */
  allowNetworks?: readonly string[];
  /** how host names are resolved (default the system resolver, as every other program on the machine) */
  resolver?: Resolver;
}

/** What a policy was made from: plain data, so that it can be handed to a worker thread or process. */
export interface PolicySpec {
  mode: 'operator' | 'tenant';
  allowPaths: string[];
  allowNetworks: string[];
}

/** A host resolved and checked: connect to `address`, and nothing else. */
export interface PinnedAddress {
  /** the host as given (name or address literal, without IPv6 brackets) */
  host: string;
  address: string;
  family: 4 | 6;
}

/** The rule of a refused target (VIGIL_FORBIDDEN). */
export const NOT_ALLOWED = 'not-allowed';
/** The rule of any failure to connect (VIGIL_NETWORK): refused, timed out, reset, no such host. */
export const UNREACHABLE = 'unreachable';

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Ranges that are public, routable unicast: anything else is the server's own or nobody's network. */
function isPublic(addr: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return addr.range() === 'unicast';
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback', private: 'a private (RFC 1918)', linkLocal: 'a link-local (and cloud metadata)', carrierGradeNat: 'a carrier-grade NAT (RFC 6598)',
  uniqueLocal: 'a unique-local (fc00::/7)', unspecified: 'the unspecified', multicast: 'a multicast', broadcast: 'the broadcast', reserved: 'a reserved',
};

/** Parses an address (IPv4-mapped IPv6 becomes the IPv4 it maps), or undefined. */
function parseAddress(s: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = s.replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return undefined;
  try {
    return ipaddr.process(bare);
  } catch {
    return undefined;
  }
}

function parseCidr(s: string): Cidr {
  const text = s.trim();
  try {
    if (text.includes('/')) {
      const [addr, bits] = ipaddr.parseCIDR(text);
      // "::ffff:127.0.0.0/104" means IPv4 127.0.0.0/8: compare like with like
      if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
      return [addr, bits];
    }
    const addr = ipaddr.process(text);
    return [addr, addr.kind() === 'ipv4' ? 32 : 128];
  } catch (e) {
    throw new VigilError('VIGIL_CONFIG', `invalid --allow-network ${JSON.stringify(s)}: expected a CIDR such as 10.0.0.0/8 or fd00::/8, or one address`, { input: s, rule: 'allow-network', cause: e });
  }
}

function within(dir: string, p: string): boolean {
  const r = relative(dir, p);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

function errCode(e: unknown): string | undefined {
  const err = e as { code?: string; cause?: { code?: string }; message?: string };
  return err?.code ?? err?.cause?.code;
}

/**
 * A target policy. Build one with {@link TargetPolicy.operator} or {@link TargetPolicy.forTenants};
 * hand it to every source and integration that opens a path, a socket or an HTTP request.
 */
export class TargetPolicy {
  /** true for the operator's own commands: nothing is refused */
  readonly unrestricted: boolean;
  /** allowed directories as real paths (what a target's real path must lie in) */
  private readonly paths: readonly string[];
  /** the same as given and as real paths: the lexical pre-check accepts either spelling */
  private readonly pathSpellings: readonly string[];
  private readonly networks: readonly Cidr[];
  private readonly spec: PolicySpec;
  private readonly resolver: Resolver;
  private agents?: PolicyAgents;

  /**
   * fetch through this policy: every hop's host resolved once, checked, and connected to that very
   * address (see http.ts). The only way Vigil makes an HTTP request.
   */
  readonly fetch: FetchLike = (url, init) => fetchThrough(this, (this.agents ??= createAgents()), url, init);

  private constructor(spec: PolicySpec, paths: string[], networks: Cidr[], resolver?: Resolver, given: string[] = []) {
    this.spec = spec;
    this.unrestricted = spec.mode === 'operator';
    this.paths = paths;
    this.pathSpellings = [...new Set([...paths, ...given.map((p) => resolvePath(p))])];
    this.networks = networks;
    this.resolver = resolver ?? ((host) => dnsLookup(host, { all: true, verbatim: true }));
  }

  /** The operator's policy (`vigil scan`, `vigil agent`, `db update`): everything allowed, errors in full. */
  static operator(opts: { resolver?: Resolver } = {}): TargetPolicy {
    return new TargetPolicy({ mode: 'operator', allowPaths: [], allowNetworks: [] }, [], [], opts.resolver);
  }

  /**
   * The policy for tenants' targets. Each allowed directory must exist; it is kept as its real path
   * (symlinks resolved), so that paths are compared after resolution on both sides.
   * @throws VigilError VIGIL_CONFIG naming the bad --allow-path or --allow-network value
   */
  static async forTenants(opts: TenantPolicyOptions = {}): Promise<TargetPolicy> {
    const paths: string[] = [];
    for (const p of opts.allowPaths ?? []) {
      if (!isAbsolute(p)) throw new VigilError('VIGIL_CONFIG', `invalid --allow-path ${JSON.stringify(p)}: expected an absolute directory`, { input: p, rule: 'allow-path' });
      let real: string;
      try {
        real = await realpath(p);
      } catch (e) {
        throw new VigilError('VIGIL_CONFIG', `invalid --allow-path ${JSON.stringify(p)}: ${errCode(e) === 'ENOENT' ? 'no such directory' : (e as Error).message}`, { input: p, rule: 'allow-path', cause: e });
      }
      if (!(await stat(real)).isDirectory()) throw new VigilError('VIGIL_CONFIG', `invalid --allow-path ${JSON.stringify(p)}: not a directory`, { input: p, rule: 'allow-path' });
      if (!paths.includes(real)) paths.push(real);
    }
    const networks = (opts.allowNetworks ?? []).map(parseCidr);
    const spec: PolicySpec = { mode: 'tenant', allowPaths: [...paths], allowNetworks: (opts.allowNetworks ?? []).map((s) => s.trim()) };
    return new TargetPolicy(spec, paths, networks, opts.resolver, [...(opts.allowPaths ?? [])]);
  }

  /** The tenants' policy without any --allow-path or --allow-network: no local path, public addresses only. */
  static tenantDefault(opts: { resolver?: Resolver } = {}): TargetPolicy {
    return new TargetPolicy({ mode: 'tenant', allowPaths: [], allowNetworks: [] }, [], [], opts.resolver);
  }

  /** Rebuilds a policy from {@link TargetPolicy.toSpec} (in a worker thread or child process). */
  static async fromSpec(spec: PolicySpec): Promise<TargetPolicy> {
    return spec.mode === 'operator' ? TargetPolicy.operator() : TargetPolicy.forTenants(spec);
  }

  /** Plain data to rebuild this policy elsewhere. */
  toSpec(): PolicySpec {
    return { mode: this.spec.mode, allowPaths: [...this.spec.allowPaths], allowNetworks: [...this.spec.allowNetworks] };
  }

  // ─── errors ──────────────────────────────────────────────────────────────────────────────────

  /** "<subject>: not allowed: <why>" (VIGIL_FORBIDDEN, rule "not-allowed"). */
  notAllowed(subject: string, why: string): VigilError {
    return new VigilError('VIGIL_FORBIDDEN', `${subject}: not allowed: ${why}`, { input: subject, rule: NOT_ALLOWED });
  }

  /**
   * The one error for every failure to connect (VIGIL_NETWORK, rule "unreachable"). Tenants get the
   * same words whatever happened — refused, timed out, reset, no such host, not the expected
   * protocol — so that errors cannot map ports; the cause (kept on the error) is for the server's log.
   * The operator's own commands get the cause's code or message too.
   */
  unreachable(subject: string, cause?: unknown): VigilError {
    const detail = this.unrestricted && cause ? ` (${errCode(cause) ?? (cause as Error).message ?? String(cause)})` : '';
    return new VigilError('VIGIL_NETWORK', `${subject}: unreachable${detail}`, { input: subject, rule: UNREACHABLE, cause });
  }

  // ─── addresses ───────────────────────────────────────────────────────────────────────────────

  /** Why an address is refused, or undefined when it may be reached. */
  refusal(address: string): string | undefined {
    if (this.unrestricted) return undefined;
    const addr = parseAddress(address);
    if (!addr) return 'not an IP address';
    for (const [net, bits] of this.networks) {
      if (net.kind() === addr.kind() && addr.match(net, bits)) return undefined;
    }
    if (isPublic(addr)) return undefined;
    const range = addr.range();
    return `${RANGE_WORDS[range] ?? `a special-purpose (${range})`} address, which the server's operator does not allow (vigil server --allow-network)`;
  }

  /**
   * Checks an address literal.
   * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed")
   */
  checkAddress(address: string, subject = address): void {
    const why = this.refusal(address);
    if (why) throw this.notAllowed(subject, why);
  }

  /**
   * Resolves a host once and checks its addresses: the first allowed one is returned, and the
   * caller connects to exactly that address. A host with no allowed address is refused; one that
   * does not resolve is unreachable.
   * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_NETWORK (rule "unreachable")
   */
  async resolve(host: string, subject = host): Promise<PinnedAddress> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (bare === '' || /[\s\0/]/.test(bare)) throw new VigilError('VIGIL_INVALID_INPUT', `${subject}: ${JSON.stringify(host)} is not a host name or address`, { input: host, rule: 'host' });
    const family = isIP(bare);
    if (family) {
      this.checkAddress(bare, subject);
      return { host: bare, address: bare, family: family as 4 | 6 };
    }
    // "localhost" and "*.localhost" are loopback by definition (RFC 6761), whatever a resolver says
    if (!this.unrestricted && /(^|\.)localhost\.?$/i.test(bare) && this.refusal('127.0.0.1') && this.refusal('::1')) {
      throw this.notAllowed(subject, 'a loopback name, which the server\'s operator does not allow (vigil server --allow-network)');
    }
    let addrs: { address: string; family: number }[];
    try {
      addrs = await this.resolver(bare);
    } catch (e) {
      throw this.unreachable(subject, e);
    }
    if (addrs.length === 0) throw this.unreachable(subject, new Error('no address'));
    for (const a of addrs) {
      if (!this.refusal(a.address)) return { host: bare, address: a.address, family: (a.family === 6 ? 6 : 4) };
    }
    // a name the tenant chose: say which kind of address without printing what it resolved to
    throw this.notAllowed(subject, 'it resolves only to addresses the server\'s operator does not allow (loopback, private, link-local or other non-public ranges; vigil server --allow-network)');
  }

  /**
   * Opens a TCP connection to a host through the policy: resolved once, checked, connected to that
   * address. Failures are {@link unreachable}.
   * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_NETWORK (rule "unreachable")
   */
  async connect(host: string, port: number, opts: { timeoutMs?: number; subject?: string } = {}): Promise<Socket> {
    const subject = opts.subject ?? `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
    const pinned = await this.resolve(host, subject);
    const timeoutMs = opts.timeoutMs ?? 20_000;
    return new Promise<Socket>((resolve, reject) => {
      const sock = netConnect({ host: pinned.address, port, family: pinned.family });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(this.unreachable(subject, new Error(`no connection within ${timeoutMs} ms`)));
      }, timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(sock);
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        sock.destroy();
        reject(this.unreachable(subject, e));
      });
    });
  }

  // ─── paths ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Checks a local path a target names and returns the path to open: for tenants its real path
   * (symlinks resolved), which must lie in an allowed directory; for the operator the path as given.
   * A path outside every allowed directory is refused before the filesystem is touched, so that
   * refusals do not tell which paths exist on the server.
   * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_NOT_FOUND (inside an allowed directory, missing)
   */
  async checkPath(path: string, subject = path): Promise<string> {
    if (this.unrestricted) return path;
    if (!isAbsolute(path)) throw this.notAllowed(subject, 'tenants\' local paths must be absolute');
    const lexical = resolvePath(path);
    const why = 'outside the directories the server\'s operator allows (vigil server --allow-path)';
    if (!this.pathSpellings.some((d) => within(d, lexical))) throw this.notAllowed(subject, why);
    let real: string;
    try {
      real = await realpath(lexical);
    } catch (e) {
      throw new VigilError('VIGIL_NOT_FOUND', `${subject}: no such file or directory`, { input: subject, rule: 'not-found', cause: e });
    }
    if (!this.paths.some((d) => within(d, real))) throw this.notAllowed(subject, `${why}, once symlinks are resolved`);
    return real;
  }

  /**
   * The static part of {@link checkPath} for registration: refused when the path (as written) is
   * outside every allowed directory; a path that does not exist yet is accepted.
   * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed")
   */
  async checkPathForRegistration(path: string, subject = path): Promise<void> {
    try {
      await this.checkPath(path, subject);
    } catch (e) {
      if (e instanceof VigilError && e.rule === 'not-found') return;
      throw e;
    }
  }

  /** Closes the keep-alive sockets of this policy's requests. */
  close(): void {
    this.agents?.http.destroy();
    this.agents?.https.destroy();
    this.agents = undefined;
  }

  /** What this policy allows, for the server's start-up log. */
  describe(): string {
    if (this.unrestricted) return 'operator: every path and address';
    const paths = this.spec.allowPaths.length ? this.spec.allowPaths.join(', ') : 'none';
    const nets = this.spec.allowNetworks.length ? this.spec.allowNetworks.join(', ') : 'public addresses only';
    return `tenant targets: local paths under ${paths}; networks: ${nets}${this.spec.allowNetworks.length ? ' and public addresses' : ''}`;
  }
}
