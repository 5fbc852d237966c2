// A fixture for test/prereq.test.ts (not a *.test.* file, so npm test does not run it by itself):
// one suite and one test skipped for a missing prerequisite, one test that runs.
import { describe, test } from 'node:test';
import { needs } from '../helpers/prereq.ts';

describe('a suite needing a thing', { skip: needs('the thing', false, 'install the thing') }, () => {
  test('never runs', () => {});
});
test('a test needing another thing', { skip: needs('another thing', false, 'install it') }, () => {});
test('runs', () => {});
