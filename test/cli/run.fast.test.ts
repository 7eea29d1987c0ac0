/** `facemask --version` (src/cli/run.ts): the package's version and the shipped model's identity and integrity checksum. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { versionText, overview } from '../../src/cli/run';
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
