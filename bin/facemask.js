#!/usr/bin/env node
// The `facemask` command. In a clone of the repository: the TypeScript sources through tsx, every verb,
// no build step (`npm ci` is the only set-up). In an installed package (no sources): the bundle built
// by `npm run build`, with the verbs that run on what the package carries (src/cli/installed.ts).
const fs = require('node:fs');
const path = require('node:path');

const sources = path.join(__dirname, '..', 'src', 'cli', 'main.ts');
let cli;
if (fs.existsSync(sources)) {
  require('tsx/cjs');
  cli = require(sources);
} else {
  cli = require('../dist/cli.cjs');
}
cli.main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`facemask: ${err && err.message ? err.message : err}`); process.exitCode = 2; },
);
