/**
 * The API's wire types, as zod schemas: request bodies are checked against them at the edge and
 * responses are serialized through them (fields not named here never leave the server).
 */
import { z } from 'zod';

export const ROLES = ['admin', 'analyst', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export const ACCOUNT_STATUSES = ['ENABLED', 'DISABLED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** How long an image stays eligible for rescans, as in Inspector's ECR settings. */
export const RESCAN_DURATIONS = ['lifetime', '14d', '30d', '60d', '90d', '180d'] as const;

export const ScanSettings = z.strictObject({
  /** basic: OS packages, scanned on push; enhanced: OS and language packages, scanned continuously */
  mode: z.enum(['basic', 'enhanced']),
  rescanDuration: z.enum(RESCAN_DURATIONS),
  /** the rescan duration counts from the push date or from the last pull date */
  rescanFrom: z.enum(['push', 'pull']),
  /** new resources of the account are scanned without being enabled one by one */
  autoEnable: z.boolean(),
});
export type ScanSettings = z.infer<typeof ScanSettings>;

export const DEFAULT_SCAN_SETTINGS: ScanSettings = { mode: 'enhanced', rescanDuration: 'lifetime', rescanFrom: 'push', autoEnable: true };

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

const Name = z.string().trim().min(1).max(200);
/** ids are opaque text; anything else cannot name an object, so it is a 404 later, not a 400 */
const Id = z.string().min(1).max(100);

export const Organization = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  scanSettings: ScanSettings,
});
export type Organization = z.infer<typeof Organization>;

export const Account = z.object({
  id: z.string(),
  organizationId: z.string(),
  name: z.string(),
  isDelegatedAdmin: z.boolean(),
  status: z.enum(ACCOUNT_STATUSES),
  scanSettings: ScanSettings,
  createdAt: z.string(),
});
export type Account = z.infer<typeof Account>;

export const ApiKey = z.object({
  id: z.string(),
  accountId: z.string(),
  /** the public part: keys look like vgl_<prefix>_<secret> */
  prefix: z.string(),
  role: z.enum(ROLES),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** A key as created: the only time the full key is shown. */
export const CreatedApiKey = ApiKey.extend({ key: z.string().describe('the full key; shown once, store it now') });

export const IdParams = z.strictObject({ id: Id });
export const KeyParams = z.strictObject({ id: Id, keyId: Id });

export const CreateOrganizationBody = z.strictObject({
  name: Name,
  adminAccountName: Name.optional(),
  scanSettings: ScanSettings.optional(),
});
export const CreatedOrganization = z.object({
  organization: Organization,
  delegatedAdmin: Account,
  adminKey: CreatedApiKey,
});

export const CreateAccountBody = z.strictObject({ name: Name });

export const PatchAccountBody = z.strictObject({
  name: Name.optional(),
  status: z.enum(ACCOUNT_STATUSES).optional(),
  scanSettings: ScanSettings.partial().optional(),
}).refine((b) => Object.keys(b).length > 0, { message: 'at least one of name, status, scanSettings is required' });

export const CreateApiKeyBody = z.strictObject({ name: Name, role: z.enum(ROLES) });

export const WhoAmI = z.object({
  key: ApiKey.omit({ lastUsedAt: true, revokedAt: true }),
  account: Account,
  organization: Organization,
});

export const List = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** The named schemas, which the OpenAPI document lists under components (not zod's global registry). */
export const apiSchemas = z.registry<{ id: string }>();
apiSchemas.add(ScanSettings, { id: 'ScanSettings' });
apiSchemas.add(ErrorBody, { id: 'Error' });
apiSchemas.add(Organization, { id: 'Organization' });
apiSchemas.add(Account, { id: 'Account' });
apiSchemas.add(ApiKey, { id: 'ApiKey' });
apiSchemas.add(CreatedApiKey, { id: 'CreatedApiKey' });
apiSchemas.add(WhoAmI, { id: 'WhoAmI' });
