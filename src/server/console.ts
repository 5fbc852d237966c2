/**
 * The web console (web/, built by Vite into web/dist) served at `/` by @fastify/static, same
 * origin as the API:
 * - `GET /` and any GET of a non-API path that accepts text/html → index.html (the app routes on
 *   the client), `Cache-Control: no-cache` so a new build is picked up at once;
 * - `GET /assets/*` → Vite's content-hashed files, cached for a year as immutable; a missing asset
 *   is a 404, never index.html (a stale page must not run HTML as a script);
 * - other files at the top of web/dist (favicon…) → as they are, revalidated (no-cache).
 * Paths under the API (`/v1`, `/healthz`, `/readyz`, `/metrics`, `/openapi.json`) never fall back:
 * they keep the JSON 404. Every console response carries a strict Content-Security-Policy and the
 * usual anti-framing/sniffing headers.
 *
 * web/dist is looked up on each request, so a server started before `npm run build` serves the
 * console once it is built; until then `GET /` is a 404 that says how to build it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { VigilError } from '../model/errors.ts';

/** The console's routes (public, not in /openapi.json: they are not API). */
export const CONSOLE_ROUTES = ['/', '/assets/*', '/*'] as const;

/** first path segments that belong to the API: no SPA fallback under them */
const API_SEGMENTS = new Set(['v1', 'healthz', 'readyz', 'metrics', 'openapi.json']);

export const CONSOLE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * The package root's web/dist: the first directory above `from` (this module's own: src/server
 * when run from source, dist/ when bundled) whose package.json is Vigil's. Null when there is none
 * (the directory itself may still be missing: the console is then "not built").
 */
export function defaultConsoleDir(from: string = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'vigil') return join(dir, 'web', 'dist');
      } catch {
        // not JSON: not ours; keep walking up
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

/** Is web/dist there (with its index.html)? */
export function consoleBuilt(dir: string | null): dir is string {
  return dir !== null && existsSync(join(dir, 'index.html'));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Does the client take HTML (a browser navigating), as opposed to a script or an API client? */
function acceptsHtml(request: FastifyRequest): boolean {
  return /\btext\/html\b/i.test(request.headers.accept ?? '');
}

export const consoleRoutes: FastifyPluginAsync<{ dir: string | null }> = async (app, { dir }) => {
  // reply.sendFile only (serve: false): the routes are ours, so they carry config.access and the
  // API-path rule; @fastify/send still does the path checks, ranges, ETag and Last-Modified
  // headers go on files actually sent (setHeaders runs only then): a 404 must not be cached for a year
  const assetsDir = dir === null ? null : join(resolve(dir), 'assets') + sep;
  await app.register(fastifyStatic, {
    serve: false,
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders(res, path) {
      for (const [k, v] of Object.entries(CONSOLE_HEADERS)) res.setHeader(k, v);
      res.setHeader('cache-control', assetsDir !== null && resolve(path).startsWith(assetsDir) ? IMMUTABLE : REVALIDATE);
    },
  });

  const notBuilt = () => new VigilError('VIGIL_NOT_FOUND', `the console is not built: run npm run build (looked for ${dir ?? 'web/dist above the server module'})`, { input: dir ?? undefined, rule: 'console-not-built' });

  const send = (reply: FastifyReply, root: string, file: string) => reply.sendFile(file, root);

  function index(reply: FastifyReply) {
    if (!consoleBuilt(dir)) {
      for (const [k, v] of Object.entries(CONSOLE_HEADERS)) void reply.header(k, v);
      throw notBuilt();
    }
    return send(reply, dir, 'index.html');
  }

  const route = { config: { access: 'public' as const }, schema: { hide: true } };

  app.get('/', route, async (_request, reply) => index(reply));

  app.get('/assets/*', route, async (request, reply) => {
    if (!consoleBuilt(dir)) return reply.callNotFound();
    const rest = (request.params as { '*': string })['*'];
    // "assets/../index.html" stays inside web/dist (@fastify/send refuses what leaves it) but must
    // not be cached for a year as an asset
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return reply.callNotFound();
    }
    if (decoded.split(/[\\/]/).includes('..')) return reply.callNotFound();
    return send(reply, dir, `assets/${rest}`);
  });

  app.get('/*', route, async (request, reply) => {
    const path = request.url.split('?')[0];
    const first = path.split('/')[1] ?? '';
    if (API_SEGMENTS.has(first)) return reply.callNotFound();
    if (consoleBuilt(dir)) {
      let decoded: string | null;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        decoded = null;
      }
      // a file of web/dist (favicon.ico, robots.txt): sent as it is; containment is checked here
      // only to decide between file and fallback, @fastify/send checks it again when sending
      const root = resolve(dir);
      const file = decoded === null ? null : resolve(root, '.' + decoded);
      if (file && file.startsWith(root + sep) && isFile(file)) return send(reply, root, file.slice(root.length + 1).split(sep).join('/'));
    }
    if (acceptsHtml(request)) return index(reply);
    return reply.callNotFound();
  });
};
