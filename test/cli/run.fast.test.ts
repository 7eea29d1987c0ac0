/**
 * The command line over its verbs (src/cli/run.ts): `--version` (the package's version and the shipped
 * model's identity and integrity checksum), the overview, and each verb's module loaded only when used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { versionText, overview, runCli } from '../../src/cli/run';
import { defineVerb, type VerbEntry } from '../../src/cli/args';
import { packagePaths, projectPaths } from '../../src/paths';
import { modelIdentity, readManifest } from '../../src/model/manifest-files';

test('--version: the version, then the shipped model by identity and integrity checksum', () => {
  const { version } = JSON.parse(fs.readFileSync(packagePaths().packageJson, 'utf8'));
  const m = readManifest(projectPaths().defaultModel);
  const [first, second] = versionText().split('\n');
  assert.equal(first, `facemask ${version}`);
  assert.match(second, new RegExp(`^model .*models/default: identity ${modelIdentity(m).slice(0, 12)}, integrity ${m.integrity!.sha256.slice(0, 12)}`));
});

test('the overview names --version', () => {
  assert.match(overview([]), /facemask --version +the version and the shipped model/);
});

test("a verb's module is loaded only when that verb runs or its help is shown; the overview loads them all", async () => {
  const loaded: string[] = [];
  const ran: string[] = [];
  const entry = (name: string): VerbEntry => ({
    name,
    load: () => {
      loaded.push(name);
      return defineVerb({ name, summary: `the ${name} verb`, flags: {}, examples: [{ cmd: `facemask ${name}`, note: 'run it' }], run: async () => (ran.push(name), 0) });
    },
  });
  const cli = { verbs: [entry('one'), entry('two')] };
  const log = console.log;
  console.log = () => undefined;
  try {
    assert.equal(await runCli(['--version'], cli), 0);
    assert.deepEqual(loaded, [], '--version loads no verb');
    assert.equal(await runCli(['two'], cli), 0);
    assert.deepEqual([loaded, ran], [['two'], ['two']]);
    assert.equal(await runCli(['one', '--help'], cli), 0);
    assert.deepEqual([loaded, ran], [['two', 'one'], ['two']]);
    loaded.length = 0;
    assert.match(overview(cli.verbs), /one +the one verb\n +two +the two verb/);
    assert.deepEqual(loaded, ['one', 'two']);
  } finally {
    console.log = log;
  }
});

test("a verb whose module cannot load: the verb's name and the reason in one line, exit 2; the others still run", async () => {
  const broken: VerbEntry = {
    name: 'broken',
    load: () => {
      throw Object.assign(new Error("Cannot find module '@tensorflow/tfjs'\nRequire stack:\n- /x/y.ts"), { code: 'MODULE_NOT_FOUND' });
    },
  };
  const fine: VerbEntry = { name: 'fine', load: () => defineVerb({ name: 'fine', summary: 'fine', flags: {}, examples: [], run: async () => 0 }) };
  const errors: string[] = [];
  const error = console.error;
  console.error = (m: string) => void errors.push(m);
  try {
    assert.equal(await runCli(['broken', 'x.jpg'], { verbs: [broken, fine] }), 2);
    assert.equal(await runCli(['--help', 'broken'], { verbs: [broken, fine] }), 2);
    assert.equal(await runCli(['fine'], { verbs: [broken, fine] }), 0);
  } finally {
    console.error = error;
  }
  const said = `facemask broken: cannot start: Cannot find module '@tensorflow/tfjs' (in a clone, "npm ci" installs what the verbs need)`;
  assert.deepEqual(errors, [said, said]);
});
