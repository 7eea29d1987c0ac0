/**
 * `facemask <verb>`: one command over the library's functions. Exit status (docs/contracts.md):
 * 0 everything processed, 1 some inputs failed, 2 nothing could be processed / bad usage,
 * 130 stopped by Ctrl-C (143 by SIGTERM).
 */
import { UsageError, padTo, parseArgs, verbHelp } from './args';
import { VERBS } from './verbs';
import { OutputRefused } from '../util/output';
import { handleSignals } from '../util/interrupt';

export function overview(): string {
  const lines = [
    'facemask — face-mask detection: datasets, synthetic masks, training, evaluation, detection',
    '',
    'usage: facemask <verb> [options]     facemask <verb> --help   for the verb\'s options and examples',
    '',
    'verbs:',
    ...VERBS.map((v) => `  ${v.name.padEnd(10)} ${v.summary}`),
    '',
    'examples:',
  ];
  let k = 1;
  for (const v of VERBS) for (const e of v.examples.slice(0, 2)) lines.push(padTo(`  ${k++}. ${e.cmd}`, 64) + `# ${e.note}`);
  return lines.join('\n');
}

/**
 * What a verb that stopped on an error says: the error's own message — every refusal of the project
 * is an Error saying what is wrong and what to do — or, for a fault of the code itself (a TypeError,
 * RangeError, …), that it is one, with the stack under FACEMASK_DEBUG=1.
 */
export function failure(e: unknown): string {
  if (e instanceof UsageError || e instanceof OutputRefused) return e.message;
  const internal = e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError || !(e instanceof Error);
  if (!internal) return (e as Error).message;
  const stack = process.env.FACEMASK_DEBUG ? `\n${(e as Error).stack}` : ' (FACEMASK_DEBUG=1 shows where)';
  return `internal error: ${e instanceof Error ? e.message : String(e)}${stack} — please report it with the command that caused it`;
}

export async function main(argv: string[]): Promise<number> {
  const [verbName, ...rest] = argv;
  if (!verbName || verbName === '--help' || verbName === '-h' || verbName === 'help') {
    const v = rest[0] && VERBS.find((x) => x.name === rest[0]);
    console.log(v ? verbHelp(v) : overview());
    return verbName ? 0 : 2;
  }
  const verb = VERBS.find((v) => v.name === verbName);
  if (!verb) {
    console.error(`facemask: unknown verb "${verbName}" (valid: ${VERBS.map((v) => v.name).join(', ')})\nrun "facemask --help" for examples`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(verbHelp(verb));
    return 0;
  }
  // Ctrl-C: a graceful verb stops at its next step and keeps its work; any other removes what it half-made (exit 130)
  const unhandle = handleSignals({ graceful: verb.graceful ?? false, say: (m) => console.error(`facemask ${verb.name}: ${m}`) });
  try {
    const args = parseArgs(verb, rest);
    return await verb.run(args);
  } catch (e) {
    console.error(`facemask ${verb.name}: ${failure(e)}`);
    return 2;
  } finally {
    unhandle();
  }
}
