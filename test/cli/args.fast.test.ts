import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, splitList, verbHelp, UsageError, type VerbSpec } from '../../src/cli/args';
import { main } from '../../src/cli/main';

const verb: VerbSpec = {
  name: 'demo',
  summary: 'a demo verb',
  positional: { name: '<files...>', min: 1 },
  flags: {
    model: { type: 'string', value: 'DIR', help: 'model folder' },
    epochs: { type: 'integer', value: 'N', help: 'epochs' },
    styles: { type: 'list', value: 'STYLE', help: 'styles', choices: ['surgical', 'cloth'] },
    quiet: { type: 'boolean', help: 'less output' },
  },
  examples: [{ cmd: 'facemask demo a.jpg', note: 'one file' }],
  run: async () => 0,
};

test('flags in both forms, lists up to the next flag, positionals', () => {
  const a = parseArgs(verb, ['a.jpg', '--model=m', '--styles', 'surgical', 'cloth', '--epochs', '3', 'b.jpg', '--quiet']);
  assert.deepEqual(a.positional, ['a.jpg', 'b.jpg']);
  assert.deepEqual(a.flags, { model: 'm', styles: ['surgical', 'cloth'], epochs: 3, quiet: true });
  assert.deepEqual(parseArgs(verb, ['x', '--styles=surgical,cloth']).flags.styles, ['surgical', 'cloth']);
});

test('unknown and ill-typed flags are refused with the valid form', () => {
  assert.throws(() => parseArgs(verb, ['a', '--bogus']), (e: Error) => e instanceof UsageError && /unknown option "--bogus"/.test(e.message) && /usage: facemask demo <files...> \[--model DIR\]/.test(e.message));
  assert.throws(() => parseArgs(verb, ['a', '--epochs', '2.5']), /--epochs must be a whole number, got "2.5"/);
  assert.throws(() => parseArgs(verb, ['a', '--styles', 'gas']), /"gas" is not one of surgical, cloth/);
  assert.throws(() => parseArgs(verb, ['a', '--model']), /--model needs a value/);
  assert.throws(() => parseArgs(verb, []), /missing <files...>/);
  assert.throws(() => parseArgs(verb, ['a', '-x']), /unknown option "-x"/);
});

test('help lists numbered examples', () => {
  assert.match(verbHelp(verb), /examples:\n {2}1\. facemask demo a\.jpg/);
});

test('the CLI refuses an unknown verb with exit status 2', async () => {
  const err: string[] = [];
  const orig = console.error;
  console.error = (s: string) => err.push(s);
  try {
    assert.equal(await main(['frobnicate']), 2);
  } finally {
    console.error = orig;
  }
  assert.match(err.join('\n'), /unknown verb "frobnicate" \(valid: prepare/);
});

test('a list flag keeps a JSON value whole: commas inside brackets or braces do not split it', () => {
  assert.deepEqual(splitList('a,b,,c'), ['a', 'b', 'c']);
  assert.deepEqual(splitList('views.real.smallSide=[8,48]'), ['views.real.smallSide=[8,48]']);
  assert.deepEqual(splitList('data.hard={"list":"x.json","copies":3},head.units=128'), ['data.hard={"list":"x.json","copies":3}', 'head.units=128']);
  assert.deepEqual(splitList('k={"a":[1,2],"b":{"c":3}},x'), ['k={"a":[1,2],"b":{"c":3}}', 'x']);
  const train: VerbSpec = { name: 'train', summary: 'train', flags: { set: { type: 'list', value: 'KEY=VALUE', help: 'overrides' } }, examples: [], run: async () => 0 };
  const sets = parseArgs(train, ['--set', 'data.hard={"list":"x.json","copies":3}', 'v=[8,48]', '--set=a=1,b=[2,3]']).flags.set;
  assert.deepEqual(sets, ['data.hard={"list":"x.json","copies":3}', 'v=[8,48]', 'a=1', 'b=[2,3]']);
});
