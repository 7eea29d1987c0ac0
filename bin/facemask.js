#!/usr/bin/env node
// The `facemask` command. TypeScript sources run through tsx, so `npm ci` is the only set-up step.
require('tsx/cjs');
require('../src/cli/main.ts').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`facemask: ${err && err.message ? err.message : err}`); process.exitCode = 2; },
);
