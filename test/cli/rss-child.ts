/**
 * Child process for memory checks: runs `facemask <argv...>` through its `main` and prints its exit
 * status and the process's peak resident size (kB) as one JSON line on fd 3 (stdout and stderr stay the verb's).
 */
import * as fs from 'node:fs';
import { main } from '../../src/cli/main';

main(process.argv.slice(2)).then(
  (code) => {
    fs.writeSync(3, JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }) + '\n');
    process.exit(code);
  },
  (e) => {
    fs.writeSync(3, JSON.stringify({ code: null, error: String(e), maxRssKb: process.resourceUsage().maxRSS }) + '\n');
    process.exit(70);
  },
);
