/**
 * First start: create the first organization, its delegated-admin account and an admin key, and
 * hand the key back once. A marker row makes this happen once even when several servers start
 * together on one PostgreSQL database (the loser's insert does nothing and its transaction rolls back).
 */
import type { Store } from '../store/index.ts';
import { DEFAULT_SCAN_SETTINGS } from './schemas.ts';
import { createOrganizationIn, type CreatedOrganization } from './tenancy/repo.ts';

export interface BootstrapResult extends CreatedOrganization {
  /** the admin key, in full: print it once, it cannot be shown again */
  key: string;
}

class AlreadyBootstrapped extends Error {}

/**
 * Creates the first organization when the database has none yet.
 * @returns the new organization and its admin key, or null when the database was bootstrapped before
 */
export async function bootstrap(store: Store, opts: { organizationName?: string } = {}): Promise<BootstrapResult | null> {
  try {
    return await store.db.transaction().execute(async (trx) => {
      const r = await trx.insertInto('tenancy_meta').values({ key: 'bootstrapped', value: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0n) === 0) throw new AlreadyBootstrapped();
      const created = await createOrganizationIn(trx, {
        name: opts.organizationName ?? 'default', adminAccountName: 'admin', scanSettings: DEFAULT_SCAN_SETTINGS,
      });
      return { ...created, key: created.adminKey.key };
    });
  } catch (err) {
    if (err instanceof AlreadyBootstrapped) return null;
    throw err;
  }
}
