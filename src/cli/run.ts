/**
 * The command line over a set of verbs: `facemask <verb>`, `--help`, `--version`. The repository's
 * command (./main.ts) has every verb; the installed package's (./installed.ts) the ones that run on
 * what the package carries. Exit status (docs/contracts.md): 0 everything processed, 1 some inputs
 * failed, 2 nothing could be processed / bad usage, 130 stopped by Ctrl-C (143 by SIGTERM).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError, padTo, parseArgs, verbHelp, type VerbEntry, type VerbSpec } from './args';
import { OutputRefused } from '../util/output';
import { handleSignals } from '../util/interrupt';
import { packagePaths, projectPaths } from '../paths';
import { modelIdentity, readManifest } from '../model/manifest-files';

export interface Cli {
  verbs: readonly VerbEntry[];
  /** Verbs this command does not have, and what to say when one is asked for. */
  elsewhere?: { names: readonly string[]; why: (verb: string) => string };
}

/** `facemask --help`: every verb's summary and its first examples (so it loads every verb's module). */
export function overview(entries: readonly VerbEntry[]): string {
  const verbs = entries.map((e) => e.load());
  const lines = [
    'facemask — face-mask detection: datasets, synthetic masks, training, evaluation, detection',
    '',
    'usage: facemask <verb> [options]     facemask <verb> --help   for the verb\'s options and examples',
    '       facemask --version             the version and the shipped model',
    '',
    'verbs:',
    ...verbs.map((v) => `  ${v.name.padEnd(10)} ${v.summary}`),
    '',
    'examples:',
  ];
  let k = 1;
  for (const v of verbs) for (const e of v.examples.slice(0, 2)) lines.push(padTo(`  ${k++}. ${e.cmd}`, 64) + `# ${e.note}`);
  return lines.join('\n');
}

/**
 * `facemask --version`: the package's version, then the shipped model (`models/default`) by its
 * identity (`modelIdentity`: what calibrate and tune runs record) and its integrity checksum (what
 * every load verifies), each as a 12-digit prefix.
 */
export function versionText(): string {
  const { version } = JSON.parse(fs.readFileSync(packagePaths().packageJson, 'utf8')) as { version: string };
  const dir = projectPaths().defaultModel;
  const shown = path.relative(process.cwd(), dir) || dir;
  let model: string;
  try {
    const m = readManifest(dir);
    const integrity = m.integrity ? m.integrity.sha256.slice(0, 12) : 'none (made before integrity records)';
    model = `model ${shown}: identity ${modelIdentity(m).slice(0, 12)}, integrity ${integrity}${m.training?.run ? `, run ${m.training.run}` : ''}`;
  } catch (e) {
    model = `model ${shown}: cannot be read (${(e as Error).message})`;
  }
  return `facemask ${version}\n${model}`;
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

/** A verb's module, or null when it cannot load (a package it needs is missing or broken), said in one line. */
function loadVerb(entry: VerbEntry): VerbSpec | null {
  try {
    return entry.load();
  } catch (e) {
    console.error(`facemask ${entry.name}: cannot start: ${failure(e).split('\n')[0]} (in a clone, "npm ci" installs what the verbs need)`);
    return null;
  }
}

export async function runCli(argv: string[], cli: Cli): Promise<number> {
  const [verbName, ...rest] = argv;
  if (verbName === '--version' || verbName === '-V') {
    console.log(versionText());
    return 0;
  }
  if (!verbName || verbName === '--help' || verbName === '-h' || verbName === 'help') {
    const v = rest[0] && cli.verbs.find((x) => x.name === rest[0]);
    const spec = v ? loadVerb(v) : null;
    if (v && !spec) return 2;
    console.log(spec ? verbHelp(spec) : overview(cli.verbs));
    return verbName ? 0 : 2;
  }
  const entry = cli.verbs.find((v) => v.name === verbName);
  if (!entry) {
    if (cli.elsewhere?.names.includes(verbName)) console.error(`facemask: ${cli.elsewhere.why(verbName)}`);
    else console.error(`facemask: unknown verb "${verbName}" (valid: ${cli.verbs.map((v) => v.name).join(', ')})\nrun "facemask --help" for examples`);
    return 2;
  }
  const verb = loadVerb(entry);
  if (!verb) return 2;
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
