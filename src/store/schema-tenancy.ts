/**
 * Table types of the tenancy area (organizations, accounts, API keys); `Database` in schema.ts
 * extends `TenancyTables`. Timestamps are ISO-8601 text; JSON columns are text.
 */

export interface OrganizationTable {
  id: string;
  name: string;
  created_at: string;
  /** JSON: the ScanSettings new member accounts start with (server/schemas.ts) */
  scan_settings: string;
}

export interface AccountTable {
  id: string;
  organization_id: string;
  name: string;
  /** 1 for the organization's one delegated-admin account, which sees and manages every member */
  is_delegated_admin: number;
  /** ENABLED | DISABLED: whether the account's resources are scanned */
  status: string;
  /** JSON: ScanSettings */
  scan_settings: string;
  created_at: string;
}

export interface ApiKeyTable {
  id: string;
  account_id: string;
  /** the public part of the key ("vgl_<prefix>_<secret>"); unique, used to look the key up */
  prefix: string;
  /** hex sha256 of the secret part; the secret itself is never stored */
  hash: string;
  /** admin | analyst | read-only */
  role: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** One-row markers (e.g. "bootstrapped"), so that concurrent first starts bootstrap once. */
export interface TenancyMetaTable {
  key: string;
  value: string;
}

/** A console session (server/session.ts): the cookie's token is known only by its hash. */
export interface SessionTable {
  /** hex sha256 of the `vigil_session` cookie's token */
  id: string;
  key_id: string;
  /** what cookie-authenticated writes must echo in X-CSRF-Token */
  csrf_token: string;
  created_at: string;
  /** the absolute end of the session */
  expires_at: string;
  /** for the idle timeout; written at most once a minute */
  last_seen_at: string;
}

export interface TenancyTables {
  organizations: OrganizationTable;
  accounts: AccountTable;
  api_keys: ApiKeyTable;
  tenancy_meta: TenancyMetaTable;
  sessions: SessionTable;
}
