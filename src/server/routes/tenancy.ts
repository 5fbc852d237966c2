/**
 * /v1 tenancy endpoints: organizations, accounts, API keys, scan settings, whoami.
 * Order of checks on every route: key (401) → role (403, auth.ts) → body (400) → visibility (404,
 * tenancy/access.ts) → delegated-admin-only actions (403) → conflicts (409).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { VigilError } from '../../model/errors.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, whoAmI } from '../auth.ts';
import {
  Account, ApiKey, CreateAccountBody, CreateApiKeyBody, CreatedApiKey, CreatedOrganization, CreateOrganizationBody,
  DEFAULT_SCAN_SETTINGS, ErrorBody, IdParams, KeyParams, List, Organization, PatchAccountBody, ScanSettings, WhoAmI,
} from '../schemas.ts';
import { notFound, requireDelegatedAdmin, visibleAccount, visibleOrganization } from '../tenancy/access.ts';
import * as repo from '../tenancy/repo.ts';

const security = [{ bearer: [] }];
/** the error responses every authenticated route can give, for the OpenAPI document */
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export const tenancyRoutes: FastifyPluginAsyncZod<{ store: Store }> = async (app, { store }) => {
  const db = store.db;

  app.get('/v1/whoami', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: 'the calling key, its account and organization', security, response: { 200: WhoAmI, ...errors } },
  }, async (request) => {
    return whoAmI(principalOf(request));
  });

  app.get('/v1/organizations', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: "the caller's organization (a list, for symmetry with other collections)", security, response: { 200: List(Organization), ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const org = await repo.getOrganization(db, p.organization.id);
    return { items: org ? [org] : [] };
  });

  app.post('/v1/organizations', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, body: CreateOrganizationBody,
      summary: 'a new organization with its delegated-admin account and an admin key (shown once); the caller gains no access to it',
      description: "Only an admin key of a delegated-admin account may create organizations. The new organization is separate: the caller's organization does not see it.",
      response: { 201: CreatedOrganization, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    requireDelegatedAdmin(p, 'creating an organization');
    const created = await repo.createOrganization(db, {
      name: request.body.name, adminAccountName: request.body.adminAccountName, scanSettings: request.body.scanSettings ?? DEFAULT_SCAN_SETTINGS,
    });
    request.log.info({ organization: created.organization.id, by: p.account.id }, 'organization created');
    return reply.code(201).send({ organization: created.organization, delegatedAdmin: created.delegatedAdmin, adminKey: { ...created.adminKey.apiKey, key: created.adminKey.key } });
  });

  app.get('/v1/organizations/:id', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: 'one organization (only your own)', security, params: IdParams, response: { 200: Organization, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    visibleOrganization(p, request.params.id);
    const org = await repo.getOrganization(db, request.params.id);
    if (!org) throw notFound('organization', request.params.id);
    return org;
  });

  app.get('/v1/organizations/:id/scan-settings', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: 'the scan settings new accounts of the organization start with', security, params: IdParams, response: { 200: ScanSettings, ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    visibleOrganization(p, request.params.id);
    const org = await repo.getOrganization(db, request.params.id);
    if (!org) throw notFound('organization', request.params.id);
    return org.scanSettings;
  });

  app.put('/v1/organizations/:id/scan-settings', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, params: IdParams, body: ScanSettings,
      summary: "replace the organization's scan settings (delegated admin only); they apply to accounts created from now on",
      response: { 200: ScanSettings, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    visibleOrganization(p, request.params.id);
    requireDelegatedAdmin(p, "changing the organization's scan settings");
    await repo.setOrganizationScanSettings(db, request.params.id, request.body);
    return request.body;
  });

  app.get('/v1/accounts', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: 'accounts you can see: every account of the organization for the delegated admin, else your own', security, response: { 200: List(Account), ...errors } },
  }, async (request) => {
    const p = principalOf(request);
    const items = await repo.listAccounts(db, p.account.isDelegatedAdmin ? { organizationId: p.organization.id } : { accountId: p.account.id });
    return { items };
  });

  app.post('/v1/accounts', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, body: CreateAccountBody,
      summary: "a new member account (delegated admin only), enabled, with the organization's scan settings",
      response: { 201: Account, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    requireDelegatedAdmin(p, 'creating an account');
    const account = await repo.createAccount(db, p.organization.id, request.body.name);
    request.log.info({ account: account.id, by: p.account.id }, 'account created');
    return reply.code(201).send(account);
  });

  app.get('/v1/accounts/:id', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: 'one account', security, params: IdParams, response: { 200: Account, ...errors } },
  }, async (request) => visibleAccount(db, principalOf(request), request.params.id));

  app.patch('/v1/accounts/:id', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, params: IdParams, body: PatchAccountBody,
      summary: 'rename, enable or disable (delegated admin only) an account, or change some of its scan settings',
      response: { 200: Account, 409: ErrorBody, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    const account = await visibleAccount(db, p, request.params.id);
    const { name, status, scanSettings } = request.body;
    if (status !== undefined && status !== account.status) {
      requireDelegatedAdmin(p, 'enabling or disabling an account');
      if (account.isDelegatedAdmin && status === 'DISABLED') {
        throw new VigilError('VIGIL_CONFLICT', `account ${account.id} is the organization's delegated admin and cannot be disabled`, { input: account.id, rule: 'delegated-admin-enabled' });
      }
    }
    const merged = scanSettings ? ScanSettings.parse({ ...account.scanSettings, ...scanSettings }) : undefined;
    const updated = await repo.updateAccount(db, account.id, { name, status, scanSettings: merged });
    if (!updated) throw notFound('account', account.id);
    return updated;
  });

  app.get('/v1/accounts/:id/api-keys', {
    config: { access: 'read' },
    schema: { tags: ['tenancy'], summary: "an account's API keys, revoked ones included (prefixes only, never secrets)", security, params: IdParams, response: { 200: List(ApiKey), ...errors } },
  }, async (request) => {
    const account = await visibleAccount(db, principalOf(request), request.params.id);
    return { items: await repo.listApiKeys(db, account.id) };
  });

  app.post('/v1/accounts/:id/api-keys', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, params: IdParams, body: CreateApiKeyBody,
      summary: 'a new API key for the account; the full key is in this response only',
      response: { 201: CreatedApiKey, ...errors },
    },
  }, async (request, reply) => {
    const p = principalOf(request);
    const account = await visibleAccount(db, p, request.params.id);
    const created = await repo.createApiKey(db, account.id, request.body.name, request.body.role);
    request.log.info({ key: created.apiKey.id, account: account.id, role: created.apiKey.role, by: p.keyId }, 'API key created');
    return reply.code(201).send({ ...created.apiKey, key: created.key });
  });

  app.delete('/v1/accounts/:id/api-keys/:keyId', {
    config: { access: 'admin' },
    schema: {
      tags: ['tenancy'], security, params: KeyParams,
      summary: 'revoke a key (it stays listed, with revokedAt)',
      response: { 200: ApiKey, 409: ErrorBody, ...errors },
    },
  }, async (request) => {
    const p = principalOf(request);
    const account = await visibleAccount(db, p, request.params.id);
    const key = await repo.getApiKey(db, account.id, request.params.keyId);
    if (!key) throw notFound('API key', request.params.keyId);
    if (key.revokedAt === null && key.role === 'admin' && account.isDelegatedAdmin && (await repo.countActiveAdminKeys(db, account.id)) <= 1) {
      throw new VigilError('VIGIL_CONFLICT', `key ${key.id} is the last admin key of the delegated-admin account; create another before revoking it`, { input: key.id, rule: 'last-admin-key' });
    }
    await repo.revokeApiKey(db, key.id);
    request.log.info({ key: key.id, account: account.id, by: p.keyId }, 'API key revoked');
    const after = await repo.getApiKey(db, account.id, key.id);
    return after ?? key;
  });
};
