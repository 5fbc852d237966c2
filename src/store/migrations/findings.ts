/**
 * Tables of the continuous findings core (src/findings). Portable column types only; booleans are
 * integers 0/1 so that SQLite and PostgreSQL read the same values.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export function findingsMigrations(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  return {
    '0002_findings': {
      async up(db: Kysely<any>) {
        await db.schema.createTable('resources')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('ref', 'text')
          .addColumn('digest', 'text')
          .addColumn('tags', 'text', (c) => c.notNull().defaultTo('[]'))
          .addColumn('coverage_status', 'text', (c) => c.notNull())
          .addColumn('coverage_reason', 'text')
          .addColumn('last_scanned_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('resources_account').on('resources').columns(['account_id', 'type', 'name']).execute();

        await db.schema.createTable('resource_packages')
          .addColumn('resource_id', 'text', (c) => c.notNull())
          .addColumn('ecosystem', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('search_name', 'text')
          .addColumn('version', 'text', (c) => c.notNull())
          .addColumn('purl', 'text')
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('layer', 'text')
          .addColumn('source_name', 'text')
          .addColumn('source_version', 'text')
          .addColumn('owned_by', 'text')
          .execute();
        // the package → resources index the continuous engine rematches through: by the name
        // matching searches (a Debian source package, a PyPI name), and by the package's own name
        // (covering the full rematch's distinct searched versions, so that grouping reads only the index)
        await db.schema.createIndex('resource_packages_search').on('resource_packages').columns(['ecosystem', 'search_name', 'version', 'source_version']).execute();
        await db.schema.createIndex('resource_packages_pkg').on('resource_packages').columns(['ecosystem', 'name']).execute();
        await db.schema.createIndex('resource_packages_resource').on('resource_packages').column('resource_id').execute();

        await db.schema.createTable('findings')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('finding_key', 'text', (c) => c.notNull().unique())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('resource_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('vulnerability_id', 'text', (c) => c.notNull())
          .addColumn('advisory_id', 'text', (c) => c.notNull())
          .addColumn('package_ecosystem', 'text', (c) => c.notNull())
          .addColumn('package_name', 'text', (c) => c.notNull())
          .addColumn('package_version', 'text', (c) => c.notNull())
          .addColumn('package_purl', 'text')
          .addColumn('package_location', 'text', (c) => c.notNull())
          .addColumn('package_layer', 'text')
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('score', 'double precision')
          .addColumn('fix_available', 'integer', (c) => c.notNull())
          .addColumn('fixed_version', 'text')
          .addColumn('exploit_available', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('suppressed_by', 'text')
          .addColumn('first_observed_at', 'text', (c) => c.notNull())
          .addColumn('last_observed_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('closed_at', 'text')
          .addColumn('details', 'text', (c) => c.notNull())
          // sha256 of details: rematches compare it without reading every finding's details
          .addColumn('details_hash', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('findings_resource').on('findings').columns(['resource_id', 'status']).execute();
        await db.schema.createIndex('findings_account').on('findings').columns(['account_id', 'status', 'severity']).execute();
        await db.schema.createIndex('findings_vulnerability').on('findings').columns(['vulnerability_id', 'status']).execute();
        await db.schema.createIndex('findings_advisory').on('findings').columns(['advisory_id', 'status']).execute();
        await db.schema.createIndex('findings_package').on('findings').columns(['package_ecosystem', 'package_name']).execute();
        await db.schema.createIndex('findings_closed').on('findings').columns(['status', 'closed_at']).execute();

        await db.schema.createTable('suppression_rules')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('criteria', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('suppression_rules_account').on('suppression_rules').column('account_id').execute();

        // SQLite has no identity columns; its INTEGER PRIMARY KEY AUTOINCREMENT does the same
        await db.schema.createTable('events')
          .addColumn('id', 'integer', (c) => (dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('resource_id', 'text')
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_account').on('events').columns(['account_id', 'id']).execute();

        await db.schema.createTable('finding_snapshots')
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('severity', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('finding_snapshots_pk', ['day', 'account_id', 'severity', 'status'])
          .execute();
      },
    },
    // the HTTP API's keyset pages (src/findings/query.ts): each list is read per (account,
    // status[, severity]) partition in index order, so a page costs the same at 1M findings as at 1k
    '0003_findings_01_api_indexes': {
      async up(db: Kysely<any>) {
        // severity sort and severity filter; (account_id, status, severity) is its prefix
        await db.schema.createIndex('findings_account_severity_updated').on('findings').columns(['account_id', 'status', 'severity', 'updated_at', 'id']).execute();
        await db.schema.dropIndex('findings_account').execute();
        await db.schema.createIndex('findings_account_updated').on('findings').columns(['account_id', 'status', 'updated_at', 'id']).execute();
        await db.schema.createIndex('findings_account_first').on('findings').columns(['account_id', 'status', 'first_observed_at', 'id']).execute();
        // a resource's findings by severity: the per-resource ACTIVE counts of /v1/resources read only the index
        await db.schema.createIndex('findings_resource_severity').on('findings').columns(['resource_id', 'status', 'severity']).execute();
        await db.schema.dropIndex('findings_resource').execute();
        // packageName without an ecosystem
        await db.schema.createIndex('findings_package_name').on('findings').columns(['package_name', 'status']).execute();
        await db.schema.createIndex('resources_account_name').on('resources').columns(['account_id', 'name', 'id']).execute();
      },
    },
    // every findings page lead (account, resource, vulnerability, package name) continues with
    // (status, severity, updated_at, id): the updated sort reads one partition per severity, and a
    // resource's, vulnerability's or package's findings are read in page order instead of sorted
    '0003_findings_02_page_order': {
      async up(db: Kysely<any>) {
        // (account_id, status, severity, updated_at, id) serves the updated sort too
        await db.schema.dropIndex('findings_account_updated').execute();
        // the per-resource ACTIVE counts of /v1/resources still read only this index (its prefix)
        await db.schema.dropIndex('findings_resource_severity').execute();
        await db.schema.createIndex('findings_resource_severity').on('findings').columns(['resource_id', 'status', 'severity', 'updated_at', 'id']).execute();
        await db.schema.createIndex('findings_vulnerability_severity').on('findings').columns(['vulnerability_id', 'status', 'severity', 'updated_at', 'id']).execute();
        await db.schema.dropIndex('findings_vulnerability').execute();
        await db.schema.dropIndex('findings_package_name').execute();
        await db.schema.createIndex('findings_package_name').on('findings').columns(['package_name', 'status', 'severity', 'updated_at', 'id']).execute();
      },
    },
    // the delta rematch compares the findings of the touched vulnerabilities by state group
    // (findings/rematch.ts). Findings written before keep '' and are rewritten by their next rematch.
    '0004_findings_02_state_hash': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('findings').addColumn('state_hash', 'text', (c) => c.notNull().defaultTo('')).execute();
      },
    },
    // known exploited findings (1.5%): a partial account index in page order, so that
    // exploitAvailable=true reads only them (src/findings/query.ts), instead of walking ~70
    // findings per match; the writers maintain it for those rows alone
    '0004_findings_03_exploited_index': {
      async up(db: Kysely<any>) {
        await db.schema.createIndex('findings_account_exploited').on('findings').columns(['account_id', 'status', 'severity', 'updated_at', 'id'])
          .where(sql.ref('exploit_available'), '=', 1).execute();
      },
    },
    // issue 15 (the console's findings API): a finding's title and fix availability (YES | NO |
    // PARTIAL), the score sort, and a finding's history. Titles of older rows are their summary or
    // "<vulnerability> - <package>" as the writers make them (findings/lifecycle.ts titleOf, whose
    // 300-character cap older summaries do not get); their fix availability is YES or NO from
    // fix_available — a finding that folds matches with and without a fix turns PARTIAL at its next
    // rescan or rematch (its state hash then differs)
    '0008_findings_01_title_fix_score_history': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('findings').addColumn('title', 'text', (c) => c.notNull().defaultTo('')).execute();
        await db.schema.alterTable('findings').addColumn('fix_availability', 'text', (c) => c.notNull().defaultTo('NO')).execute();
        const summary = dialect === 'postgres' ? sql`(details::jsonb ->> 'summary')` : sql`json_extract(details, '$.summary')`;
        await sql`update findings set
          fix_availability = case when fix_available = 1 then 'YES' else 'NO' end,
          title = coalesce(nullif(trim(${summary}), ''), vulnerability_id || ' - ' || package_name)`.execute(db);
        // sort=score (highest first, unscored last): the account partitions in (score, id) order; the
        // expression is the one src/findings/query.ts sorts by, written alike (SQLite matches it)
        await sql`create index findings_account_score on findings (account_id, status, (coalesce(score, -1)), id)`.execute(db);
        // GET /v1/findings/{id}/history: the events whose payload names the finding (every finding
        // event's payload has findingId, see findings/lifecycle.ts), without a column every writer fills
        await sql`create index events_finding on events (${eventFindingId(dialect)}, id)`.execute(db);
      },
    },
    // GET /v1/dashboard over 1M findings in well under a second: ACTIVE findings by severity × fix
    // availability and the most widespread vulnerabilities (distinct resources per vulnerability) read
    // this index alone (src/server/findings/dashboard.ts); by=vulnerability aggregations too
    '0008_findings_02_aggregation_index': {
      async up(db: Kysely<any>) {
        await db.schema.createIndex('findings_account_vulnerability').on('findings')
          .columns(['account_id', 'status', 'vulnerability_id', 'resource_id', 'severity', 'fix_availability']).execute();
      },
    },
    // ─── issue 16 (Vigil score) ───────────────────────────────────────────────────────────────────
    // the EPSS probability of a finding, for minEpss and sort=epss (highest first, unknown last, the
    // expression src/findings/query.ts sorts by). Older rows keep null until their next
    // rematch or rescan rewrites them with the Vigil score (their details then change).
    '0009_findings_01_epss': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('findings').addColumn('epss', 'double precision').execute();
        await sql`create index findings_account_epss on findings (account_id, status, (coalesce(epss, -1)), id)`.execute(db);
      },
    },
    // ─── issue 20 (one package, many locations) ───────────────────────────────────────────────────
    // every location of a package found by several extractors for one install (a lockfile and its
    // node_modules): a JSON array, sorted, when there is more than one; null otherwise (`location`
    // holds the first). Rows written before keep null until their resource's next scan.
    '0012_findings_01_package_locations': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('resource_packages').addColumn('locations', 'text').execute();
        // and of a package finding: every location of the packages folded into it (JSON array, sorted)
        // when more than one; null otherwise (package_location holds the one)
        await db.schema.alterTable('findings').addColumn('package_locations', 'text').execute();
      },
    },
  };
}

/**
 * The finding an event's payload names, as an SQL expression: the events_finding index is on it and
 * the history query must spell it the same way (SQLite matches an expression index by its text).
 */
export function eventFindingId(dialect: 'sqlite' | 'postgres') {
  return dialect === 'postgres' ? sql<string>`(payload::jsonb ->> 'findingId')` : sql<string>`json_extract(payload, '$.findingId')`;
}
