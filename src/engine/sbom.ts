/**
 * SBOMs of stored resources, and SBOM export jobs (Amazon Inspector's CreateSbomExport).
 *
 * A resource's SBOM is its inventory as the last scan recorded it (`resource_packages`, with the
 * layer each package came from, and the OS the scan detected) written by the SBOM writers of
 * src/integrations/sbom — the same CycloneDX 1.6 / SPDX 2.3 documents `vigil sbom` writes for a
 * target, with the resource as the document's subject.
 *
 * An export is a row of `sbom_exports` (QUEUED → IN_PROGRESS → SUCCEEDED | FAILED) and a job
 * (`engine-sbom-export`) that any process running the engine picks up: it writes one document per
 * resource into a zip, stored as a blob of the export's account (like function code, so every
 * worker and server reaches it). Exports expire {@link SBOM_EXPORT_TTL_MS} after they were asked
 * for: the tick deletes the row, and the blob garbage collector the archive.
 *
 * (issue 19) With a destination (engine/destinations.ts) the same zip is written to a local
 * directory or an S3 bucket as one object, `<prefix>vigil-sbom-export-<id>.zip`, instead of a blob;
 * the export records where (`location`). What is written there is the operator's/tenant's to keep:
 * expiry deletes only the row.
 */
import { randomUUID } from 'node:crypto';
import { zipSync } from 'fflate';
import type { Selectable } from 'kysely';
import { packageFromRow } from '../findings/index.ts';
import { renderCycloneDx, renderSpdx } from '../integrations/sbom/index.ts';
import { VigilError } from '../model/errors.ts';
import type { LayerRef, ScanResult, ScanTarget } from '../model/index.ts';
import type { Database, Store } from '../store/index.ts';
import type { TargetPolicy } from '../policy/index.ts';
import { openDestination, sealDestination, writeObject, type Destination } from './destinations.ts';
import { putBlob } from './sources.ts';

export const SBOM_FORMATS = ['cyclonedx', 'spdx'] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

/** The most resources one export may hold (a larger selection is refused: narrow the filter, or export in parts). */
export const SBOM_EXPORT_MAX_RESOURCES = 1000;
/** How long an export (its status and its archive) is kept after it was asked for. */
export const SBOM_EXPORT_TTL_MS = 7 * 86_400_000;
export const SBOM_EXPORT_STATUSES = ['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED'] as const;
export type SbomExportStatus = (typeof SBOM_EXPORT_STATUSES)[number];

const TOOL_VERSION = '0.1.0';

export type SbomExportRow = Selectable<Database['sbom_exports']>;

/** The resource's stored inventory as a scan result (no findings), or null when there is no such resource. */
export async function resourceScanResult(store: Store, resourceId: string): Promise<ScanResult | null> {
  const r = await store.db.selectFrom('resources').selectAll().where('id', '=', resourceId).executeTakeFirst();
  if (!r) return null;
  const rows = await store.db.selectFrom('resource_packages').selectAll().where('resource_id', '=', resourceId).execute();
  const packages = rows.map(packageFromRow);
  let attrs: { os?: ScanTarget['os']; platform?: unknown } = {};
  try { attrs = JSON.parse(r.attributes) as typeof attrs; } catch { /* attributes are the engine's own JSON; a bad row only loses the OS */ }
  // the image's layers as its packages name them (the stored inventory keeps no separate layer list)
  const layers = new Map<string, LayerRef>();
  for (const p of packages) if (p.layer) layers.set(`${p.layer.index}\n${p.layer.digest}`, p.layer);
  const target: ScanTarget = {
    kind: r.type, ref: r.ref ?? r.name,
    ...(r.digest ? { digest: r.digest } : {}),
    ...(attrs.os && typeof attrs.os === 'object' && typeof attrs.os.id === 'string' ? { os: attrs.os } : {}),
    ...(layers.size ? { layers: [...layers.values()].sort((a, b) => a.index - b.index || (a.digest < b.digest ? -1 : 1)) } : {}),
  };
  return {
    schemaVersion: 1, tool: { name: 'vigil', version: TOOL_VERSION },
    // the document's time is the inventory's: the same inventory gives the same document
    createdAt: r.last_scanned_at ?? r.updated_at,
    target, packages, findings: [], unknown: [], errors: [], fixes: [],
  };
}

/** The document's text: CycloneDX 1.6 JSON (inventory only, no VEX) or SPDX 2.3 JSON. */
export function renderSbom(result: ScanResult, format: SbomFormat): string {
  return format === 'spdx' ? renderSpdx(result) : renderCycloneDx(result, { vex: false });
}

/** A file name for a resource's document: its name made safe, its id (unique), the format's extension. */
export function sbomFileName(resource: { id: string; name: string }, format: SbomFormat): string {
  const safe = resource.name.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '').slice(0, 100) || 'resource';
  return `${safe}_${resource.id}.${format === 'spdx' ? 'spdx' : 'cdx'}.json`;
}

export interface CreateSbomExportInput {
  /** the account the export belongs to (who may see and download it) */
  accountId: string;
  format: SbomFormat;
  /** the resources, already checked to be in the caller's sight */
  resourceIds: string[];
  /** what was asked (resource ids, filter), kept for the status view */
  request: Record<string, unknown>;
  /** (issue 19) where the archive goes instead of a blob (checked by the caller: destinations.checkDestination) */
  destination?: Destination;
}

/**
 * Records a QUEUED export of the given resources (the caller queues its job).
 * @throws VigilError VIGIL_INVALID_INPUT rule "no-resources" for an empty selection;
 *   VIGIL_LIMIT_EXCEEDED rule "max-resources" beyond {@link SBOM_EXPORT_MAX_RESOURCES}
 */
export async function createSbomExport(store: Store, input: CreateSbomExportInput, now: Date): Promise<SbomExportRow> {
  if (input.resourceIds.length === 0) throw new VigilError('VIGIL_INVALID_INPUT', 'SBOM export: the request selects no resource', { input: 'resourceIds', rule: 'no-resources' });
  if (input.resourceIds.length > SBOM_EXPORT_MAX_RESOURCES) {
    throw new VigilError('VIGIL_LIMIT_EXCEEDED', `SBOM export: ${input.resourceIds.length} resources selected, at most ${SBOM_EXPORT_MAX_RESOURCES} per export; narrow the filter`, { input: 'resourceIds', rule: 'max-resources' });
  }
  const at = now.toISOString();
  const id = `sbx-${randomUUID()}`;
  const row: SbomExportRow = {
    id, account_id: input.accountId, format: input.format, status: 'QUEUED',
    request: JSON.stringify(input.request), resource_ids: JSON.stringify([...new Set(input.resourceIds)].sort()),
    resource_count: new Set(input.resourceIds).size, documents: null, error: null, blob_digest: null, size: null,
    created_at: at, started_at: null, completed_at: null, expires_at: new Date(now.getTime() + SBOM_EXPORT_TTL_MS).toISOString(),
    destination: input.destination ? await sealDestination(store, id, input.destination) : null, location: null,
  };
  await store.db.insertInto('sbom_exports').values(row).execute();
  return row;
}

export async function getSbomExport(store: Store, id: string): Promise<SbomExportRow | undefined> {
  return store.db.selectFrom('sbom_exports').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The exports of these accounts, newest first (at most `limit`). */
export async function listSbomExports(store: Store, accountIds: readonly string[], limit: number): Promise<SbomExportRow[]> {
  if (accountIds.length === 0) return [];
  return store.db.selectFrom('sbom_exports').selectAll().where('account_id', 'in', [...accountIds])
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/**
 * Runs an export (the job's handler): one document per resource still there, zipped, stored as a
 * blob of the export's account, then SUCCEEDED. Idempotent: a finished export is left alone, and a
 * rerun after a crash writes the same archive (the documents are deterministic). A resource deleted
 * since the request is left out (`documents` counts what the archive holds).
 * @returns the export's final row, or undefined when it is gone (expired)
 */
export async function runSbomExport(store: Store, id: string, now: Date, policy?: TargetPolicy): Promise<SbomExportRow | undefined> {
  const row = await getSbomExport(store, id);
  if (!row || row.status === 'SUCCEEDED' || row.status === 'FAILED') return row;
  await store.db.updateTable('sbom_exports').set({ status: 'IN_PROGRESS', started_at: now.toISOString() }).where('id', '=', id).execute();
  const format = row.format as SbomFormat;
  const files: Record<string, Uint8Array> = {};
  for (const rid of JSON.parse(row.resource_ids) as string[]) {
    const result = await resourceScanResult(store, rid);
    // a resource of another account cannot be in the list (checked at request time); this keeps it so
    const owner = await store.db.selectFrom('resources').select(['name', 'account_id']).where('id', '=', rid).executeTakeFirst();
    if (!result || !owner) continue;
    files[sbomFileName({ id: rid, name: owner.name }, format)] = Buffer.from(renderSbom(result, format), 'utf8');
  }
  // a fixed time for the entries: the same documents give the same archive (and the same blob)
  const zip = Buffer.from(zipSync(files, { level: 6, mtime: new Date('2000-01-01T00:00:00Z') }));
  if (row.destination) {
    // (issue 19) the same zip, written to the directory or bucket instead of a blob
    if (!policy) throw new VigilError('VIGIL_INTERNAL', `SBOM export ${id}: a destination needs the engine's policy`, { input: id, rule: 'policy' });
    const out = await writeObject(policy, openDestination(store, id, row.destination), sbomArchiveName(id), 'application/zip', [zip]);
    await store.db.updateTable('sbom_exports').set({
      status: 'SUCCEEDED', documents: Object.keys(files).length, location: out.location, size: out.size, completed_at: now.toISOString(), error: null,
    }).where('id', '=', id).execute();
    return getSbomExport(store, id);
  }
  const digest = await putBlob(store, row.account_id, zip, 'application/zip', now);
  await store.db.updateTable('sbom_exports').set({
    status: 'SUCCEEDED', documents: Object.keys(files).length, blob_digest: digest, size: zip.length, completed_at: now.toISOString(), error: null,
  }).where('id', '=', id).execute();
  return getSbomExport(store, id);
}

/** The name of an export's zip: the download's file name, and the object written to a destination. */
export const sbomArchiveName = (id: string) => `vigil-sbom-export-${id}.zip`;

/** Marks an export FAILED with a message (its job gave up). */
export async function failSbomExport(store: Store, id: string, message: string, now: Date): Promise<void> {
  await store.db.updateTable('sbom_exports').set({ status: 'FAILED', error: message.slice(0, 2000), completed_at: now.toISOString() })
    .where('id', '=', id).where('status', 'in', ['QUEUED', 'IN_PROGRESS']).execute();
}

/** Deletes the exports past their expiry; their archives are then unreferenced and go with the next blob collection. */
export async function expireSbomExports(store: Store, now: Date): Promise<number> {
  const r = await store.db.deleteFrom('sbom_exports').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** The archive of a SUCCEEDED export. */
export async function sbomExportArchive(store: Store, row: SbomExportRow): Promise<Buffer | null> {
  if (!row.blob_digest) return null;
  const b = await store.db.selectFrom('blobs').select('data').where('account_id', '=', row.account_id).where('digest', '=', row.blob_digest).executeTakeFirst();
  return b ? Buffer.from(b.data) : null;
}
