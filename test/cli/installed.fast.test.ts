/**
 * The installed package's command (src/cli/installed.ts): its verbs and the verbs only a clone has
 * are every verb of the repository's command, once; a clone-only verb is refused with where it runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERBS } from '../../src/cli/verbs';
import { CLONE_VERBS, INSTALLED_VERBS, main } from '../../src/cli/installed';

test("the installed command's verbs and the clone's are every verb, once", () => {
  const names = [...INSTALLED_VERBS.map((v) => v.name), ...CLONE_VERBS];
  assert.deepEqual([...names].sort(), VERBS.map((v) => v.name).sort());
  assert.deepEqual(INSTALLED_VERBS.map((v) => v.name), ['classify', 'detect', 'video', 'serve']);
  for (const v of VERBS) assert.equal(v.load().name, v.name, 'each name loads the verb of that name');
});

test('a verb only a clone has says where it runs; an unknown one lists the valid ones', async () => {
  const err: string[] = [];
  const write = console.error;
  console.error = (s: string) => void err.push(s);
  try {
    assert.equal(await main(['train', '--preset', 'realworld']), 2);
    assert.equal(await main(['bogus']), 2);
  } finally {
    console.error = write;
  }
  assert.match(err[0], /"train" runs in a clone of the facemask repository .*the installed package runs classify, detect, video, serve/);
  assert.match(err[1], /unknown verb "bogus" \(valid: classify, detect, video, serve\)/);
});
