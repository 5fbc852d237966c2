import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VigilError } from './errors.ts';
import { parseYaml, parseYamlDocuments } from './yaml.ts';

const rule = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof VigilError, String(e));
    assert.ok(e.message.startsWith('in.yaml: '), e.message);
    return e.rule;
  }
  return undefined;
};

test('parseYaml: values, warnings returned (never printed), errors by rule with a position', async () => {
  const printed: string[] = [];
  const onWarning = (w: Error) => printed.push(w.message);
  process.on('warning', onWarning);
  try {
    const r = parseYaml('a: !custom 1\nb: [x, y]\n', 'in.yaml');
    await new Promise((res) => setImmediate(res));
    assert.deepEqual(r.value, { a: '1', b: ['x', 'y'] });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /^in\.yaml: .*custom.* at line 1, column 4$/);
    assert.deepEqual(printed, []);
  } finally {
    process.off('warning', onWarning);
  }
  assert.equal(rule(() => parseYaml('a: [1, 2\nb: }', 'in.yaml')), 'yaml');
  assert.equal(rule(() => parseYaml('a: 1\n---\nb: 2\n', 'in.yaml')), 'yaml');
  assert.deepEqual(parseYamlDocuments('a: 1\n---\nb: 2\n', 'in.yaml').map((d) => d.value), [{ a: 1 }, { b: 2 }]);
  // billion laughs: each level ten aliases of the one before
  const laughs = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]', ...Array.from({ length: 8 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array(10).fill(`*l${i}`).join(', ')}]`)].join('\n');
  assert.equal(rule(() => parseYaml(laughs, 'in.yaml')), 'yaml-aliases');
});

test('parseYaml: duplicate keys found in one pass, at any depth; allowed when asked', () => {
  assert.match(String(rule(() => parseYaml('a:\n  b: 1\n  c: 2\n  b: 3\n', 'in.yaml'))), /^yaml$/);
  assert.deepEqual(parseYaml('a: 1\na: 2\n', 'in.yaml', { uniqueKeys: false }).value, { a: 2 });
  // 20,000 keys: the yaml package's own check compared every pair (30 s)
  const many = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n');
  assert.equal(Object.keys(parseYaml(many, 'in.yaml').value as object).length, 20_000);
});

test('parseYaml: deep nesting and floods of syntax errors are refused early, by rule', () => {
  assert.equal(rule(() => parseYaml('['.repeat(20_000) + ']'.repeat(20_000), 'in.yaml')), 'nesting-depth');
  assert.equal(rule(() => parseYaml(Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1', 'in.yaml')), 'nesting-depth');
  assert.equal(rule(() => parseYaml('['.repeat(300) + ']'.repeat(300), 'in.yaml')), 'nesting-depth');
  // 80,000 stray brackets: composing them took nearly a minute (each error prettified)
  assert.equal(rule(() => parseYaml(']'.repeat(80_000), 'in.yaml')), 'yaml');
});
