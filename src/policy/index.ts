/**
 * The egress and path policy: the one place that decides whether a target may reach a local path or
 * a network address, and the one place that opens sockets and HTTP requests for targets
 * (`policy.fetch`, `policy.connect`, `gitAccess`). See README.md.
 */
export { TargetPolicy, NOT_ALLOWED, UNREACHABLE, type PinnedAddress, type PolicySpec, type Resolver, type TenantPolicyOptions } from './policy.ts';
export { type FetchInit, type FetchLike } from './http.ts';
export { gitAccess, tenantGitEnv, type GitAccess, type GitRemote } from './git.ts';
