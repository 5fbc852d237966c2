/**
 * git's own connections through a target policy. git (curl for https, OpenSSH for ssh) resolves
 * host names itself, so the policy resolves the remote's host once, checks it, and pins git to that
 * address: `http.curloptResolve` (curl's CURLOPT_RESOLVE) for https, `-o HostName=<address>` on the
 * ssh command line for ssh (command-line options win over ~/.ssh/config). Redirects are not
 * followed for tenants (curl would resolve the new host itself), proxies are off (a proxy resolves
 * names on its own side), and the user's global and system git config are ignored (URL rewrites
 * with `insteadOf` would send git elsewhere; credential helpers would hand the operator's
 * credentials to a tenant's host).
 */
import type { TargetPolicy } from './policy.ts';

export interface GitRemote {
  transport: 'https' | 'ssh';
  /** host name or address (no brackets) */
  host: string;
  /** default 443 (https) or 22 (ssh) */
  port?: number;
}

export interface GitAccess {
  /** `-c name=value` pairs to put before git's subcommand */
  config: string[];
  /** environment to add to git's */
  env: Record<string, string>;
  /** the address git will connect to (tenants only) */
  address?: string;
}

/** single-quoted for sh (git runs GIT_SSH_COMMAND through the shell) */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Environment every tenant git call gets: no user or system config, only the transports named. */
export function tenantGitEnv(protocols: string[]): Record<string, string> {
  return { GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_ALLOW_PROTOCOL: protocols.join(':') };
}

/**
 * The config and environment that make git reach `remote` only at the address the policy checked.
 * The operator's policy pins nothing (git behaves as the user configured it).
 * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_NETWORK (rule "unreachable")
 */
export async function gitAccess(policy: TargetPolicy, remote: GitRemote, subject: string): Promise<GitAccess> {
  if (policy.unrestricted) return { config: [], env: {} };
  const pinned = await policy.resolve(remote.host, subject);
  const env = tenantGitEnv([remote.transport]);
  if (remote.transport === 'https') {
    const port = remote.port ?? 443;
    const addr = pinned.family === 6 ? `[${pinned.address}]` : pinned.address;
    // an address literal needs no pin (curl does not resolve it), and "::1:443:[::1]" would not parse
    const pin = pinned.host === pinned.address ? [] : ['-c', `http.curloptResolve=${pinned.host}:${port}:${addr}`];
    return {
      config: [...pin, '-c', 'http.followRedirects=false', '-c', 'http.proxy='],
      env,
      address: pinned.address,
    };
  }
  const ssh = [
    'ssh', '-o', `HostName=${pinned.address}`, '-o', `HostKeyAlias=${pinned.host}`, '-o', 'ProxyCommand=none', '-o', 'ProxyJump=none',
    '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-o', 'CanonicalizeHostname=no', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=20',
  ];
  return { config: [], env: { ...env, GIT_SSH_COMMAND: ssh.map(shq).join(' '), GIT_SSH_VARIANT: 'ssh' }, address: pinned.address };
}
