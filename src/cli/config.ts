/**
 * Configuration from flags and environment: the home directory (VIGIL_HOME) and the database URL
 * (VIGIL_DATABASE_URL; default a SQLite file in the home directory; postgres:// selects PostgreSQL).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Config {
  home: string;
  databaseUrl: string;
}

/** The user's data directory: $XDG_DATA_HOME/vigil, else ~/.local/share/vigil. */
export function defaultHome(env = process.env): string {
  const base = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'vigil');
}

export function resolveConfig(flags: { home?: string; db?: string }, env = process.env): Config {
  const home = resolve(flags.home || env.VIGIL_HOME || defaultHome(env));
  const databaseUrl = flags.db || env.VIGIL_DATABASE_URL || `sqlite:${join(home, "vigil.db")}`;
  return { home, databaseUrl };
}
