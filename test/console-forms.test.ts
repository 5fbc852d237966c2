/**
 * The console's generated forms (web/src/components/admin/schema.ts) against the server's own
 * schemas: every field of every target config gets a control the generator knows (none falls back
 * to raw JSON), and what a filled-in form sends is accepted by the engine's own validator
 * (parseConfig) — so a field added to a config on the server shows up in the console, and the
 * console cannot send what the server refuses for reasons of shape. Scan settings come from the
 * real /openapi.json of a server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { CONFIG_SCHEMAS, parseConfig, TARGET_KINDS, type TargetKind } from '../src/engine/targets.ts';
import { silentLogger } from '../src/log.ts';
import { buildServer, type VigilServer } from '../src/server/index.ts';
import { DEFAULT_SCAN_SETTINGS, ScanSettings } from '../src/server/schemas.ts';
import {
  componentSchema, errorField, fieldsOf, FormInputError, humanize, initialValues, valuesToObject,
  type FieldSpec, type JsonSchema, type OpenApiDocument,
} from '../web/src/components/admin/schema.ts';
import { sqliteTestStore, type TestStore } from './helpers/stores.ts';

const NAMES: Record<TargetKind, string> = { registry: 'RegistryConfig', host: 'HostConfig', repository: 'RepositoryConfig', function: 'FunctionConfig', rootfs: 'RootfsConfig' };

describe('console forms from the API schemas', () => {
  let ts: TestStore;
  let app: VigilServer;
  let doc: OpenApiDocument;
  before(async () => {
    ts = await sqliteTestStore();
    app = await buildServer({ store: ts.store, log: silentLogger() });
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as OpenApiDocument;
  });
  after(async () => {
    await app?.close();
    await ts?.cleanup();
  });

  /**
   * A kind's config schema as the console reads it: the server's document when it names the kind's
   * config (RegistryConfig, …), else zod's rendering of the same engine schema (what the document
   * holds once it does: fastify-type-provider-zod renders with z.toJSONSchema too).
   */
  const configSchema = (kind: TargetKind): JsonSchema =>
    componentSchema(doc, NAMES[kind]) ?? (z.toJSONSchema(CONFIG_SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const byName = (fields: FieldSpec[]) => Object.fromEntries(fields.map((f) => [f.name, f]));

  test('every field of every target config gets a known control', () => {
    for (const kind of TARGET_KINDS) {
      const fields = fieldsOf(configSchema(kind), doc);
      assert.deepEqual(fields.map((f) => f.name), Object.keys(CONFIG_SCHEMAS[kind].shape), kind);
      for (const f of fields) assert.notEqual(f.kind, 'json', `${kind}.${f.name} has no control of its own`);
    }
  });

  test('registry: kinds of fields, and a filled form is a config the engine accepts', () => {
    const f = byName(fieldsOf(configSchema('registry'), doc));
    assert.equal(f.url.kind, 'text');
    assert.equal(f.url.required, true);
    assert.equal(f.url.label, 'URL');
    assert.equal(f.password.kind, 'secret');
    assert.equal(f.notificationToken.kind, 'secret');
    assert.equal(f.repositories.kind, 'list');
    // 0 | 10…30 days: one number input spanning both
    assert.deepEqual([f.pollSeconds.kind, f.pollSeconds.min, f.pollSeconds.max, f.pollSeconds.integer], ['number', 0, 30 * 86_400, true]);
    const fields = fieldsOf(configSchema('registry'), doc);
    const values = { ...initialValues(fields), url: ' http://127.0.0.1:5000 ', username: 'ci', password: ' p w ', repositories: 'shop/*\nbase/debian, tools/x\n', pollSeconds: '0' };
    const body = valuesToObject(fields, values);
    // secrets are sent as typed (spaces are theirs); other text is trimmed; empty fields left out
    assert.deepEqual(body, { url: 'http://127.0.0.1:5000', username: 'ci', password: ' p w ', repositories: ['shop/*', 'base/debian', 'tools/x'], pollSeconds: 0 });
    const parsed = parseConfig('registry', body);
    assert.equal(parsed.url, 'http://127.0.0.1:5000');
    assert.equal(typeof parsed.notificationToken, 'string');
  });

  test('host: PEM keys in a masked text area, the mode default preselected, numbers checked', () => {
    const fields = fieldsOf(configSchema('host'), doc);
    const f = byName(fields);
    assert.equal(f.privateKey.kind, 'secret-multiline');
    assert.equal(f.passphrase.kind, 'secret');
    assert.deepEqual([f.mode.kind, f.mode.options, f.mode.default], ['enum', ['ssh', 'agent', 'hybrid'], 'ssh']);
    const start = initialValues(fields);
    assert.equal(start.mode, 'ssh');
    assert.throws(() => valuesToObject(fields, { ...start, port: '22x' }), (e: unknown) => e instanceof FormInputError && e.field === 'port' && /not a number/.test(e.message));
    assert.throws(() => valuesToObject(fields, { ...start, port: '22.5' }), (e: unknown) => e instanceof FormInputError && e.field === 'port');
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n';
    const body = valuesToObject(fields, { ...start, address: 'db1.internal', username: 'scan', port: '2222', privateKey: key });
    assert.deepEqual(body, { mode: 'ssh', address: 'db1.internal', username: 'scan', port: 2222, privateKey: key });
    assert.equal(parseConfig('host', body).privateKey, key);
    assert.deepEqual(parseConfig('host', valuesToObject(fields, { ...start, mode: 'agent', machineId: 'm-1' })), { mode: 'agent', machineId: 'm-1' });
  });

  test('repository, function, rootfs: filled forms are accepted; an empty rootfs path is the server\'s to refuse', () => {
    const repo = fieldsOf(configSchema('repository'), doc);
    assert.equal(byName(repo).webhookSecret.kind, 'secret');
    assert.equal(byName(repo).branch.default, 'main');
    const r = parseConfig('repository', valuesToObject(repo, { ...initialValues(repo), url: 'https://git.example/app.git' }));
    assert.equal(r.branch, 'main');
    const fn = fieldsOf(configSchema('function'), doc);
    assert.deepEqual(parseConfig('function', valuesToObject(fn, { ...initialValues(fn), runtime: 'nodejs20.x' })), { runtime: 'nodejs20.x' });
    const rootfs = fieldsOf(configSchema('rootfs'), doc);
    assert.equal(byName(rootfs).path.required, true);
    assert.deepEqual(valuesToObject(rootfs, initialValues(rootfs)), {});
    assert.throws(() => parseConfig('rootfs', valuesToObject(rootfs, initialValues(rootfs))), /rootfs config: path/);
  });

  test('scan settings from the server\'s /openapi.json round-trip through the form', () => {
    const schema = componentSchema(doc, 'ScanSettings');
    assert.ok(schema, 'ScanSettings is in /openapi.json');
    const fields = fieldsOf(schema, doc);
    assert.deepEqual(fields.map((f) => [f.name, f.kind]), [['mode', 'enum'], ['rescanDuration', 'enum'], ['rescanFrom', 'enum'], ['autoEnable', 'boolean'], ['secretScanning', 'boolean'], ['codeScanning', 'boolean'], ['stopScanningAfterNotRunningDays', 'number'], ['hostDeepInspection', 'boolean'], ['hostInspectionPaths', 'list']]);
    const start = initialValues(fields, DEFAULT_SCAN_SETTINGS);
    // the issue-17 flags start ticked (their default) for settings stored without them
    assert.deepEqual(ScanSettings.parse(valuesToObject(fields, start)), { ...DEFAULT_SCAN_SETTINGS, secretScanning: true, codeScanning: true, stopScanningAfterNotRunningDays: null, hostDeepInspection: true });
    // issue 19: a number of days, or left empty (never)
    assert.equal(ScanSettings.parse(valuesToObject(fields, { ...start, stopScanningAfterNotRunningDays: '30' })).stopScanningAfterNotRunningDays, 30);
    // a required flag, and a flag with a default, is sent when unticked too (absent would mean on)
    assert.equal(valuesToObject(fields, { ...start, autoEnable: false }).autoEnable, false);
    assert.equal(valuesToObject(fields, { ...start, codeScanning: false }).codeScanning, false);
  });

  test('the field an error names, from the server\'s details or the form', () => {
    assert.equal(errorField({ details: { issues: [{ field: 'body.config.url' }] } }), 'url');
    assert.equal(errorField({ details: { input: 'address', rule: 'required' } }), 'address');
    assert.equal(errorField({ details: { issues: [{ field: 'scanSettings.mode' }] } }, 'scanSettings'), 'mode');
    assert.equal(errorField(new FormInputError('port', 'Port: not a number')), 'port');
    assert.equal(errorField(new Error('x')), null);
    assert.equal(humanize('hostKeyFingerprint'), 'Host key fingerprint');
  });
});
