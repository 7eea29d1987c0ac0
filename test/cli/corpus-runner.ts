/**
 * One process running many `facemask` invocations for the fault suite: argv[2] is a JSON file of
 * `{ id, argv }` cases, argv[3] where the results go. Each case runs through the verbs' own `main`,
 * its stdout and stderr captured, bounded by `CASE_MS` (a case that does not end is reported `hang`
 * and the process moves on). A thrown error is reported as `crash` with its stack.
 */
import * as fs from 'node:fs';
import { main } from '../../src/cli/main';
import { interruption } from '../../src/util/interrupt';

const CASE_MS = 60_000;

interface Case {
  id: string;
  argv: string[];
}

export interface CaseResult {
  id: string;
  code: number | null;
  out: string;
  err: string;
  ms: number;
  outcome: 'exit' | 'hang' | 'crash';
}

(async () => {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Case[];
  const results: CaseResult[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  for (const c of cases) {
    let out = '';
    let err = '';
    process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), true)) as typeof process.stderr.write;
    const t0 = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const r = await Promise.race([
      main(c.argv).then(
        (code) => ({ code, outcome: 'exit' as const }),
        (e: Error) => ({ code: null, outcome: 'crash' as const, stack: e.stack }),
      ),
      new Promise<{ code: null; outcome: 'hang' }>((resolve) => (timer = setTimeout(() => resolve({ code: null, outcome: 'hang' }), CASE_MS))),
    ]);
    clearTimeout(timer);
    process.stdout.write = ow;
    process.stderr.write = ew;
    interruption.reset();
    if ('stack' in r) err += `\nCRASH: ${r.stack}`;
    results.push({ id: c.id, code: r.code, out, err, ms: performance.now() - t0, outcome: r.outcome });
    ew(`${c.id}: ${r.outcome} ${r.code} (${(performance.now() - t0).toFixed(0)} ms)\n`);
  }
  fs.writeFileSync(process.argv[3], JSON.stringify(results));
  process.exit(0); // a hung case may hold the event loop
})();
