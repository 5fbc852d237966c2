/**
 * What a target registered through the API may reach, checked at registration against the
 * operator's policy (src/policy): local paths (root filesystems, local repositories) only under
 * `--allow-path`, network targets (registries, SSH hosts, git remotes) never at addresses the policy
 * refuses. The same policy is applied again at every connection (a name may resolve differently
 * later), by the sources themselves.
 */
import { VigilError } from '../model/errors.ts';
import { UNREACHABLE, type TargetPolicy } from '../policy/index.ts';
import { classifyGitRef, gitRemoteOf } from '../sources/git/index.ts';
import type { HostConfig, RegistryConfig, RepositoryConfig, RootfsConfig, TargetKind } from './targets.ts';

/** How long registration waits for a name to resolve before leaving the check to connect time. */
const REGISTRATION_LOOKUP_MS = 5_000;

/**
 * A host the policy refuses is refused now; one that does not resolve (or not within a few
 * seconds: a request must not wait on a tenant's slow DNS) is left to connect time.
 */
export async function checkHost(policy: TargetPolicy, host: string, subject: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<void>((resolve) => { timer = setTimeout(resolve, REGISTRATION_LOOKUP_MS); });
  try {
    await Promise.race([policy.resolve(host, subject), slow]);
  } catch (e) {
    if (e instanceof VigilError && e.rule === UNREACHABLE) return;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** "registry.example:5000", "https://host/", "http://[::1]:5000" → host name or address. */
export function registryUrlHost(url: string): string {
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    throw new VigilError('VIGIL_INVALID_INPUT', `registry config: url: ${JSON.stringify(url)} is not host[:port] or an http(s) URL`, { input: 'url', rule: 'registry-url' });
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname || u.username || u.password) {
    throw new VigilError('VIGIL_INVALID_INPUT', `registry config: url: ${JSON.stringify(url)} is not host[:port] or an http(s) URL`, { input: 'url', rule: 'registry-url' });
  }
  return u.hostname.replace(/^\[|\]$/g, '');
}

/**
 * Checks a parsed target config against the policy.
 * @throws VigilError VIGIL_FORBIDDEN (rule "not-allowed"), VIGIL_INVALID_INPUT (a malformed URL or a refused git transport)
 */
export async function checkTargetAccess(policy: TargetPolicy, kind: TargetKind, config: Record<string, unknown>): Promise<void> {
  switch (kind) {
    case 'registry': {
      const cfg = config as RegistryConfig;
      await checkHost(policy, registryUrlHost(cfg.url), `registry config: url ${JSON.stringify(cfg.url)}`);
      return;
    }
    case 'host': {
      const cfg = config as HostConfig;
      if (cfg.mode !== 'agent' && cfg.address) await checkHost(policy, cfg.address, `host config: address ${JSON.stringify(cfg.address)}`);
      return;
    }
    case 'repository': {
      const cfg = config as RepositoryConfig;
      const subject = `repository config: url ${JSON.stringify(cfg.url)}`;
      const loc = classifyGitRef(cfg.url);
      if (loc.kind === 'local') await policy.checkPathForRegistration(loc.path, subject);
      else await checkHost(policy, gitRemoteOf(loc.url).host, subject);
      return;
    }
    case 'rootfs': {
      const cfg = config as RootfsConfig;
      await policy.checkPathForRegistration(cfg.path, `rootfs config: path ${JSON.stringify(cfg.path)}`);
      return;
    }
    case 'function':
      return; // uploaded bytes, nothing to reach
  }
}
