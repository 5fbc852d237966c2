/** The HTTP API: server factory, first-start bootstrap, and the wire schemas. */
export { buildServer, type RouteInfo, type ServerConfig, type VigilServer } from './app.ts';
export { bootstrap, type BootstrapResult } from './bootstrap.ts';
export { consoleBuilt, defaultConsoleDir } from './console.ts';
export type { Access, Principal } from './auth.ts';
export { checkReadiness } from './routes/health.ts';
export * as schemas from './schemas.ts';
