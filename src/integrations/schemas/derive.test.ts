/**
 * The converters behind the derived OCSF and ASFF schemas (README.md), on small models written here
 * in the published formats' shapes: each rule of the header comments gives the JSON Schema it says,
 * and the committed schemas are what the converters make of the real models (their $comment and a
 * few facts of the real models).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import { asffSchema, documentedLimits, type BotocoreModel } from './derive-asff.ts';
import { ocsfClassSchema, type OcsfCompiled } from './derive-ocsf.ts';

const compile = (s: Record<string, unknown>) => new Ajv({ strict: false, allErrors: true }).compile(s);

const OCSF: OcsfCompiled = {
  version: '9.9.9',
  dictionary: {
    types: {
      attributes: {
        string_t: {}, integer_t: {}, long_t: {}, float_t: {}, boolean_t: { values: [false, true] }, json_t: {},
        timestamp_t: { type: 'long_t' }, port_t: { type: 'integer_t', range: [0, 65535] },
        ip_t: { type: 'string_t', max_len: 40, regex: '^[0-9.]+$' }, subnet_t: { type: 'ip_t', max_len: 42 },
      },
    },
  },
  profiles: { cloud: { attributes: { cloud: {} } } },
  classes: {
    thing_finding: {
      name: 'thing_finding', caption: 'Thing Finding', profiles: ['cloud'],
      attributes: {
        class_uid: { type: 'integer_t', requirement: 'required', enum: { 9001: {} } },
        time: { type: 'timestamp_t', requirement: 'required' },
        port: { type: 'port_t' },
        net: { type: 'subnet_t' },
        ok: { type: 'boolean_t' },
        any: { type: 'json_t' },
        metadata: { type: 'object_t', object_type: 'metadata', requirement: 'required' },
        cloud: { type: 'object_t', object_type: 'object', requirement: 'required' },
        items: { type: 'object_t', object_type: 'item', is_array: true },
        old: { type: 'object_t', object_type: 'item', '@deprecated': { message: 'use items', since: '9.0.0' } },
      },
    },
  },
  objects: {
    metadata: { name: 'metadata', attributes: { version: { type: 'string_t', requirement: 'required' }, profiles: { type: 'string_t', is_array: true } } },
    item: { name: 'item', attributes: { a: { type: 'string_t' }, b: { type: 'string_t' }, c: { type: 'string_t' }, parent: { type: 'object_t', object_type: 'item' } }, constraints: { just_one: ['a', 'b'], at_least_one: ['b', 'c'] } },
    object: { name: 'object', attributes: {} },
  },
};

test('OCSF: base types, type constraints, enums, required, arrays, objects, constraints, profiles', () => {
  const s = ocsfClassSchema(OCSF, 'thing_finding');
  const v = compile(s);
  const good = { class_uid: 9001, time: 1, metadata: { version: '1' }, port: 443, net: '10.0.0.0', ok: true, any: [1, 'x'], items: [{ a: 'x', c: 'y', parent: { b: 'z' } }] };
  assert.ok(v(good), JSON.stringify(v.errors));
  const bad = (patch: Record<string, unknown>, why: string) => assert.equal(v({ ...good, ...patch }), false, why);
  bad({ class_uid: 9002 }, 'enum');
  bad({ time: 1.5 }, 'timestamp_t is an integer');
  bad({ port: 70000 }, 'port_t range');
  bad({ net: 'x' }, 'ip_t regex applies to subnet_t');
  bad({ net: '1'.repeat(43) }, 'subnet_t max_len 42 wins over ip_t 40');
  bad({ ok: 'yes' }, 'boolean');
  bad({ extra: 1 }, 'unknown attribute');
  bad({ metadata: {} }, 'required in an object');
  bad({ items: [{ a: 'x', b: 'y' }] }, 'just_one');
  bad({ items: [{ a: 'x' }] }, 'at_least_one');
  bad({ items: [{ a: 'x', c: 'y', parent: { c: 'z', d: 1 } }] }, 'recursive object refs');
  assert.ok(v({ ...good, net: '1'.repeat(41) }), 'subnet_t allows 41');
  assert.ok(v({ ...good, cloud: { free: 'form' } }), 'the object "object" is open');
  assert.equal(v({ ...good, metadata: { version: '1', profiles: ['cloud'] } }), false, 'a profile named makes its required attributes required');
  assert.ok(v({ ...good, metadata: { version: '1', profiles: ['cloud'] }, cloud: {} }));
  assert.ok(v({ ...good, old: { a: 'x', c: 'y' } }), 'a deprecated attribute is still allowed');
  assert.deepEqual((s.properties as any).old, { $ref: '#/$defs/item', deprecated: true }, 'and marked');
  assert.throws(() => ocsfClassSchema(OCSF, 'nothing'), /no class nothing/);
  assert.throws(() => ocsfClassSchema({ ...OCSF, classes: { x: { name: 'x', attributes: { y: { type: 'weird_t' } } } } }, 'x'), /unknown data type weird_t/);
});

const ASFF: BotocoreModel = {
  metadata: { apiVersion: '2018-10-26' },
  shapes: {
    Finding: {
      type: 'structure', required: ['Id', 'Resources'],
      members: {
        Id: { shape: 'NonEmptyString', documentation: '<p>Length Constraints: Minimum length of 1. Maximum length of 512.</p>' },
        Account: { shape: 'NonEmptyString', documentation: '<p>Length Constraints: 12.</p>' },
        Resources: { shape: 'ResourceList', documentation: '<p>Array Members: Minimum number of 1 item. Maximum number of 2 items.</p>' },
        Normalized: { shape: 'Integer', documentation: '<p>The value can be an integer between <code>0</code> and <code>100</code>.</p>' },
        State: { shape: 'State' },
        Fields: { shape: 'FieldMap', documentation: '<p>Can contain up to 2 key-value pairs. For each key-value pair, the key can contain up to 3 characters, and the value can contain up to 4 characters.</p>' },
        Score: { shape: 'Double' },
        Choice: { shape: 'Choice' },
        Doc: { shape: 'Document' },
      },
    },
    NonEmptyString: { type: 'string', pattern: '.*\\S.*' },
    Integer: { type: 'integer' },
    Double: { type: 'double' },
    State: { type: 'string', enum: ['ACTIVE', 'ARCHIVED'] },
    ResourceList: { type: 'list', member: { shape: 'Resource' } },
    Resource: { type: 'structure', required: ['Type'], members: { Type: { shape: 'NonEmptyString' }, Child: { shape: 'Resource' } } },
    FieldMap: { type: 'map', key: { shape: 'NonEmptyString' }, value: { shape: 'NonEmptyString' } },
    Choice: { type: 'structure', union: true, members: { A: { shape: 'Integer' }, B: { shape: 'Integer' } } },
    Document: { type: 'structure', document: true, members: {} },
  },
};

test('ASFF: model shapes and the limits member documentation states', () => {
  assert.deepEqual(documentedLimits('Length Constraints: Minimum length of 12. Maximum length of 2048.', 'string'), { minLength: 12, maxLength: 2048 });
  assert.deepEqual(documentedLimits('<p>Length Constraints: 12.</p>', 'string'), { minLength: 12, maxLength: 12 });
  assert.deepEqual(documentedLimits('Maximum number of 50 items', 'array'), { maxItems: 50 });
  assert.deepEqual(documentedLimits('no limits here', 'string'), {});
  const v = compile(asffSchema(ASFF, 'Finding'));
  const good = { Id: 'x', Account: '123456789012', Resources: [{ Type: 'Other', Child: { Type: 'Other' } }], Normalized: 40, State: 'ACTIVE', Fields: { k: 'v' }, Score: 1.5, Choice: { A: 1 }, Doc: { any: ['thing'] } };
  assert.ok(v(good), JSON.stringify(v.errors));
  const bad = (patch: Record<string, unknown>, why: string) => assert.equal(v({ ...good, ...patch }), false, why);
  bad({ Id: 'x'.repeat(513) }, 'documented max length');
  bad({ Id: '   ' }, 'the model pattern');
  bad({ Account: '1234' }, 'documented exact length');
  bad({ Resources: [] }, 'documented min items');
  bad({ Resources: [{ Type: 'a' }, { Type: 'b' }, { Type: 'c' }] }, 'documented max items');
  bad({ Resources: [{ Child: { Type: 'x' } }] }, 'required member');
  bad({ Normalized: 101 }, 'documented integer range');
  bad({ State: 'GONE' }, 'enum');
  bad({ Fields: { a: 'v', b: 'v', c: 'v' } }, 'documented map size');
  bad({ Fields: { long: 'v' } }, 'documented key length');
  bad({ Fields: { k: 'vvvvv' } }, 'documented value length');
  bad({ Choice: { A: 1, B: 2 } }, 'a union takes one member');
  bad({ Unknown: 1 }, 'unknown member');
  assert.throws(() => asffSchema(ASFF, 'Nothing'), /no structure Nothing/);
});

test('the committed derived schemas come from these converters and the real models', () => {
  const read = (f: string) => JSON.parse(readFileSync(new URL(f, import.meta.url), 'utf8'));
  const ocsf = read('ocsf-1.8.0-vulnerability_finding.schema.json');
  assert.match(ocsf.$comment, /derive-ocsf\.ts from OCSF 1\.8\.0/);
  assert.deepEqual([ocsf.properties.class_uid.enum, ocsf.properties.category_uid.enum, ocsf.properties.type_uid.enum], [[2002], [2], [200200, 200201, 200202, 200203, 200299]]);
  assert.deepEqual(ocsf.$defs.vulnerability.allOf, [{ oneOf: [{ required: ['advisory'] }, { required: ['cve'] }, { required: ['cwe'] }] }]);
  const asff = read('asff-securityhub-2018-10-26-AwsSecurityFinding.schema.json');
  assert.match(asff.$comment, /derive-asff\.ts from botocore's securityhub 2018-10-26/);
  assert.deepEqual(asff.required, ['SchemaVersion', 'Id', 'ProductArn', 'GeneratorId', 'AwsAccountId', 'CreatedAt', 'UpdatedAt', 'Title', 'Description', 'Resources']);
  assert.deepEqual([asff.properties.Title.maxLength, asff.properties.Description.maxLength, asff.properties.Resources.maxItems], [256, 1024, 32]);
});
