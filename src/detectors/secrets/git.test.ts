/**
 * scanGitHistory over a real repository built in a temp folder: a secret added then removed, a file
 * renamed, a merged branch, an unmerged branch, a binary file; commit, author, date, inHead.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { scanGitHistory, secretHash } from './index.ts';
import { tokenGenerator } from './testutil.ts';

const gen = tokenGenerator(99);
const T = { ghp: gen.make('ghp'), stripe: gen.make('stripe-live'), npm: gen.make('npm'), slack: gen.make('slack-bot'), pem: gen.make('pem-rsa'), binary: gen.make('ghp') };
let dir: string;
const commits: Record<string, string> = {};

function git(args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, ...env }, encoding: 'utf8' }).trim();
}
function commit(name: string, who: string, date: string, msg: string) {
  const [n, email] = who.split('|');
  git(['add', '-A']);
  git(['commit', '-q', '-m', msg], { GIT_AUTHOR_NAME: n, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: n, GIT_COMMITTER_EMAIL: email, GIT_COMMITTER_DATE: date });
  commits[name] = git(['rev-parse', 'HEAD']);
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-secrets-git-'));
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'setup']);
  git(['config', 'user.email', 'setup@localhost']);
  writeFileSync(join(dir, 'config.py'), `import os\nGITHUB_TOKEN = "${T.ghp}"\nDEBUG = False\n`);
  writeFileSync(join(dir, '.env'), `PORT=8080\nSTRIPE_KEY=${T.stripe}\n`);
  commit('add', 'Alice|alice@corp.test', '2024-01-01T10:00:00Z', 'add config');
  writeFileSync(join(dir, 'config.py'), `import os\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\nDEBUG = False\n`);
  commit('remove', 'Bob|bob@corp.test', '2024-02-01T10:00:00Z', 'read the token from the environment');
  mkdirSync(join(dir, 'deploy'));
  renameSync(join(dir, '.env'), join(dir, 'deploy/.env'));
  commit('rename', 'Carol|carol@corp.test', '2024-03-01T10:00:00Z', 'move .env');
  git(['checkout', '-q', '-b', 'feature']);
  writeFileSync(join(dir, 'publish.js'), `// publish\nconst npmToken = '${T.npm}';\n`);
  writeFileSync(join(dir, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(T.binary)]));
  writeFileSync(join(dir, 'id_rsa'), T.pem + '\n');
  commit('feature', 'Dan|dan@corp.test', '2024-04-01T10:00:00Z', 'publish script');
  git(['checkout', '-q', 'main']);
  git(['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature'], { GIT_AUTHOR_DATE: '2024-05-01T10:00:00Z', GIT_COMMITTER_DATE: '2024-05-01T10:00:00Z' });
  commits.merge = git(['rev-parse', 'HEAD']);
  git(['rm', '-q', 'id_rsa']);
  commit('rmkey', 'Erin|erin@corp.test', '2024-05-15T10:00:00Z', 'remove key');
  git(['checkout', '-q', '-b', 'experiment']);
  writeFileSync(join(dir, 'notify.py'), `SLACK = "${T.slack}"\n`);
  commit('unmerged', 'Frank|frank@corp.test', '2024-06-01T10:00:00Z', 'notify');
  git(['checkout', '-q', 'main']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('history: every secret once, at the commit that added it, with inHead', async () => {
  const { findings, errors } = await scanGitHistory(dir);
  assert.deepEqual(errors, []);
  const rows = findings.map((f) => ({ rule: f.rule, path: f.location.path, line: f.location.line, commit: f.location.commit!.id, author: f.location.commit!.author, date: f.location.commit!.date, inHead: f.location.commit!.inHead, hash: f.secret.hash }));
  const by = (h: string) => rows.filter((r) => r.hash === secretHash(h));
  // added then removed: still a finding, not in HEAD
  assert.deepEqual(by(T.ghp), [{ rule: 'github-pat-classic', path: 'config.py', line: 2, commit: commits.add, author: 'Alice <alice@corp.test>', date: '2024-01-01T10:00:00+00:00', inHead: false, hash: secretHash(T.ghp) }]);
  // renamed: reported once, at its first path and commit, and still in HEAD (at the new path)
  assert.deepEqual(by(T.stripe).map((r) => [r.path, r.line, r.commit, r.inHead]), [['.env', 2, commits.add, true]]);
  // from a merged branch: the branch's commit, not the merge
  assert.deepEqual(by(T.npm).map((r) => [r.rule, r.path, r.line, r.commit, r.author, r.inHead]), [['npm-access-token', 'publish.js', 2, commits.feature, 'Dan <dan@corp.test>', true]]);
  // a private key added on the branch, removed on main later
  assert.deepEqual(by(T.pem.split('\n').slice(1, -1).join('')).map((r) => [r.rule, r.path, r.line, r.commit, r.inHead]), [['private-key-rsa', 'id_rsa', 1, commits.feature, false]]);
  // an unmerged branch is reachable from a ref (--all)
  assert.deepEqual(by(T.slack).map((r) => [r.rule, r.commit, r.inHead]), [['slack-bot-token', commits.unmerged, false]]);
  // the binary file is not read
  assert.deepEqual(by(T.binary), []);
  assert.equal(rows.length, 5);
  assert.ok(!JSON.stringify(findings).includes(T.ghp) && !JSON.stringify(findings).includes(T.npm));
  console.log(`history: ${rows.length} findings over ${Object.keys(commits).length} commits (${rows.filter((r) => r.inHead).length} still in HEAD)`);
});

test('history: the byte bound stops the read and says so', async () => {
  const { errors } = await scanGitHistory(dir, { maxDiffBytes: 600 });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].rule, 'history-truncated');
});

test('history: not a repository is an error, not a crash', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'vigil-secrets-nogit-'));
  try {
    const { findings, errors } = await scanGitHistory(empty);
    assert.deepEqual(findings, []);
    assert.equal(errors[0].rule, 'git-error');
    // a repository with no commit yet: nothing, and no error
    execFileSync('git', ['init', '-q', empty]);
    assert.deepEqual(await scanGitHistory(empty), { findings: [], errors: [] });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('history: long lines cut, long hunks scanned in pieces, line numbers kept', async () => {
  const repo = mkdtempSync(join(tmpdir(), 'vigil-secrets-git2-'));
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@corp.test', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@corp.test' } });
    run(['init', '-q', '-b', 'main']);
    const a = gen.make('npm');
    const b = gen.make('ghp');
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i + 1}`);
    lines[7] = `token = "${b}"`;
    writeFileSync(join(repo, 'long.txt'), `k=${a} ${'x'.repeat(5000)}\n${lines.join('\n')}\n`);
    run(['add', '-A']);
    run(['commit', '-q', '-m', 'one']);
    const { findings, errors } = await scanGitHistory(repo, { maxLineBytes: 1000, maxHunkLines: 3 });
    assert.deepEqual(errors, []);
    assert.deepEqual(findings.map((f) => [f.rule, f.location.line, f.location.commit!.inHead]), [['npm-access-token', 1, true], ['github-pat-classic', 9, true]]);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
});
