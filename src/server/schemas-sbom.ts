/**
 * Wire types of the SBOM endpoints (routes/sbom.ts) and the typed target configs (routes/engine.ts),
 * registered in `apiSchemas` as OpenAPI components. Kept apart from schemas.ts so the areas merge
 * without touching each other; the target config schemas are the engine's own (engine/targets.ts).
 */
import { z } from 'zod';
import { CONFIG_SCHEMAS, CONFIG_SCHEMA_NAMES, PUBLIC_CONFIG_SCHEMAS, SBOM_EXPORT_MAX_RESOURCES, SBOM_EXPORT_STATUSES, SBOM_FORMATS, TARGET_KINDS } from '../engine/index.ts';
import { Destination, DestinationView } from './schemas-exports.ts';
import { apiSchemas, RESOURCE_TYPE_NAMES, VigilScoringSchema } from './schemas.ts';

const Id = z.string().min(1).max(100);

export const SbomFormatQuery = z.strictObject({
  format: z.enum(SBOM_FORMATS).default('cyclonedx').describe('cyclonedx: CycloneDX 1.6 JSON; spdx: SPDX 2.3 JSON'),
});

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1).max(20)]);

export const SbomExportFilter = z.strictObject({
  resourceType: oneOrMany(z.enum(RESOURCE_TYPE_NAMES)).optional(),
  accountId: Id.optional().describe('one account in your sight (a delegated admin exports for a member); the export then belongs to it'),
  name: z.string().trim().min(1).max(500).optional().describe('the exact name, or a pattern where * matches anything (case-insensitive)'),
  coverageStatus: oneOrMany(z.enum(['ACTIVE', 'INACTIVE'])).optional(),
});

export const CreateSbomExport = z.strictObject({
  format: z.enum(SBOM_FORMATS),
  resourceIds: z.array(Id).min(1).max(SBOM_EXPORT_MAX_RESOURCES).optional().describe('resources in your sight; with a filter, those of them the filter selects'),
  filter: SbomExportFilter.optional().describe('resources in your sight the filter selects (all of them without resourceIds or filter)'),
  destination: Destination.optional().describe('(issue 19) write the zip to an S3 bucket or a directory (one object: <prefix>vigil-sbom-export-<id>.zip) instead of keeping it for download'),
});

export const SbomExport = z.object({
  id: z.string(),
  accountId: z.string().describe('the account it belongs to: who may see and download it'),
  status: z.enum(SBOM_EXPORT_STATUSES),
  format: z.enum(SBOM_FORMATS),
  resources: z.number().describe('resources selected'),
  documents: z.number().optional().describe('documents in the archive (resources deleted since the request are left out)'),
  error: z.string().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  expiresAt: z.string().describe('the export and its archive are deleted then'),
  size: z.number().optional().describe('bytes of the zip'),
  destination: DestinationView.optional(),
  location: z.string().optional().describe('with a destination: where the zip was written (s3://bucket/key or a path)'),
  downloadUrl: z.string().optional().describe('when SUCCEEDED without a destination: a zip of one document per resource'),
});
export const SbomExports = z.object({ items: z.array(SbomExport) });
export const SbomExportsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('newest first'),
  accountId: Id.optional(),
});

const LayerRef = z.object({ index: z.number(), digest: z.string(), createdBy: z.string().optional() });

/** A package as `vigil scan --format json` writes it. */
export const ScanPackage = z.object({
  ecosystem: z.string(), name: z.string(), version: z.string(), purl: z.string().optional(),
  sourceName: z.string().optional(), sourceVersion: z.string().optional(), locations: z.array(z.string()).optional(),
  ownedBy: z.string().optional(), foundBy: z.string().optional(),
  extractors: z.array(z.string()).optional().describe('every extractor that found this install, when several did (a lockfile and node_modules)'), dev: z.boolean().optional(), layer: LayerRef.optional(),
  licenses: z.array(z.string()).optional(),
});

/** A finding as `vigil scan --format json` writes it (model/scan.ts ScanFinding). */
export const ScanFinding = z.object({
  type: z.enum(['vulnerability', 'malicious']),
  id: z.string().describe('the advisory record that matched'),
  vulnerability: z.string().describe("the vulnerability (alias group) id, a CVE when there is one"),
  aliases: z.array(z.string()),
  summary: z.string().optional(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN']),
  cvss: z.object({ version: z.string(), vector: z.string(), score: z.number(), source: z.string() }).optional(),
  kev: z.boolean().optional(),
  // issue 16: the Vigil score's breakdown, as `vigil scan --format json` gives it
  scoring: VigilScoringSchema.optional(),
  packageIndex: z.number().describe('index into packages'),
  installedVersion: z.string(),
  fixedVersion: z.string().nullable(),
  fixAvailable: z.boolean(),
  explanation: z.object({
    record: z.string(),
    searched: z.object({ ecosystem: z.string(), name: z.string(), version: z.string() }),
    scheme: z.string(),
    hit: z.union([
      z.object({ by: z.literal('versions'), version: z.string() }),
      z.object({ by: z.literal('range'), range: z.number(), type: z.string(), events: z.array(z.record(z.string(), z.string())) }),
    ]),
    fixed: z.array(z.string()),
    fixedBy: z.string().nullable(),
    fixAvailable: z.boolean(),
    status: z.string().optional(),
    skipped: z.array(z.object({ index: z.number(), type: z.string(), reason: z.string() })).optional(),
  }).describe('what was searched, which range or version list hit, in which version scheme'),
  suppressed: z.object({ reason: z.string(), source: z.string() }).optional(),
  references: z.array(z.string()).optional(),
});

export const SbomScanBody = z.unknown().describe('a CycloneDX (1.4–1.6) or SPDX 2.3 JSON document, at most 32 MiB');

export const SbomScanResult = z.object({
  format: z.string().describe('"CycloneDX 1.6", "SPDX 2.3", …'),
  target: z.object({
    kind: z.literal('sbom'), ref: z.string(), digest: z.string().optional(),
    os: z.object({ id: z.string(), versionId: z.string().optional(), prettyName: z.string().optional(), ecosystem: z.string().optional() }).optional(),
  }),
  packages: z.array(ScanPackage),
  findings: z.array(ScanFinding),
  unknown: z.array(z.object({ packageIndex: z.number(), id: z.string(), reason: z.string() })).describe('advisories whose verdict could not be decided, and why'),
  fixes: z.array(z.object({ packageIndex: z.number(), version: z.string().nullable(), closes: z.array(z.string()), reason: z.string().optional() })).describe('per package: the smallest version closing every open advisory'),
  skipped: z.array(z.object({ ref: z.string(), reason: z.string() })).describe('components left out (no usable purl)'),
});

apiSchemas.add(SbomExport, { id: 'SbomExport' });
apiSchemas.add(CreateSbomExport, { id: 'CreateSbomExport' });
apiSchemas.add(SbomExportFilter, { id: 'SbomExportFilter' });
apiSchemas.add(ScanPackage, { id: 'ScanPackage' });
apiSchemas.add(ScanFinding, { id: 'ScanFinding' });
apiSchemas.add(SbomScanResult, { id: 'SbomScanResult' });
// one component per target kind's config, and its public view (credentials as booleans)
for (const kind of TARGET_KINDS) {
  apiSchemas.add(CONFIG_SCHEMAS[kind], { id: CONFIG_SCHEMA_NAMES[kind] });
  apiSchemas.add(PUBLIC_CONFIG_SCHEMAS[kind], { id: `${CONFIG_SCHEMA_NAMES[kind]}View` });
}
