/** TOML for the Python lockfile parsers (pdm.lock, poetry.lock, uv.lock): its own module so that smol-toml loads with them, not with every scan. */
import { parse as parseTomlText } from 'smol-toml';
import { parseError } from '../javascript/common.ts';

/** Parses TOML with smol-toml, or throws a parse-error naming the file. */
export function parseToml(text: string, path: string): Record<string, unknown> {
  try {
    return parseTomlText(text) as Record<string, unknown>;
  } catch (err) {
    throw parseError(path, 'parse-error', `not valid TOML (${(err as Error).message.split('\n')[0]})`, err);
  }
}
