/**
 * HTTPS credentials for git without putting them on a command line or in a URL (where `ps`, git's
 * messages and stored names would show them): a credential helper that answers git's request
 * from two environment variables of the git process alone.
 */

export interface GitCredentials {
  username: string;
  password: string;
}

/**
 * `-c` options that make this helper the only one (an empty `credential.helper` resets the list
 * from other config files), and the environment it reads. Terminal prompts stay off, so git asks
 * nothing else. Empty when there are no credentials.
 */
export function gitCredentialArgs(creds: GitCredentials | undefined): { config: string[]; env: Record<string, string> } {
  if (!creds) return { config: [], env: {} };
  // git runs `<helper> get` through the shell; "store" and "erase" are ignored
  const helper = `!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$VIGIL_GIT_USERNAME" "$VIGIL_GIT_PASSWORD"; }; f`;
  return {
    config: ['-c', 'credential.helper=', '-c', `credential.helper=${helper}`],
    env: { VIGIL_GIT_USERNAME: creds.username, VIGIL_GIT_PASSWORD: creds.password },
  };
}
