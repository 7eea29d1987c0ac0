/**
 * May a verb write here? The one owner of the rule (docs/contracts.md "Outputs"), asked by every
 * verb before any work starts:
 *  - an output is never an input, never holds an input, and never sits inside an input folder
 *    (compared after resolving symbolic links);
 *  - an existing file or folder is replaced only when the verb made it — a folder carries the
 *    marker file `.facemask-output`, a model folder its manifest, a file is recognised by its
 *    content (`recognise`) — **and** the user passes `--overwrite`; an empty one holds nothing to lose;
 *  - a place that cannot be written (a read-only folder, a file where a folder should be, a file
 *    output whose folder is missing) is refused at once, never after the work; a folder output is
 *    created with its missing parents.
 * Refusals are `OutputRefused`, whose message gives the valid form.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The file that marks a folder as a verb's output (JSON: `{ "madeBy": "facemask <verb>" }`). */
export const OUTPUT_MARKER = '.facemask-output';

/** A verb may not write where it was asked to; the message says why and what to do instead. */
export class OutputRefused extends Error {}

export interface OutputRequest {
  /** The verb, for messages and the marker: `detect`. */
  verb: string;
  /** How the user named the place: `--output`, `--jsonl`, `--to`. */
  flag: string;
  /** The place as given. */
  target: string;
  /** A file the verb writes, or a folder it fills. */
  kind: 'file' | 'folder';
  /** Every input the verb reads (files or folders, as given). */
  inputs: readonly string[];
  /** The user passed `--overwrite`. */
  overwrite: boolean;
  /**
   * Whether an existing `target` was made by this verb. default: for a folder, its marker names the
   * verb; for a file, never (an existing file is refused).
   */
  recognise?: (target: string) => boolean;
  /** What the verb's output is called in messages: `a folder of annotated pictures`. */
  what: string;
  /**
   * Create a new folder output now (and mark it, `OUTPUT_MARKER`), for a verb that writes into it as it
   * goes. false: a verb that builds its folder elsewhere and renames it into place (`writeDirAtomic`,
   * which marks it itself) — only the place is checked. default: true
   */
  create?: boolean;
}

/** A place granted: the absolute path and whether something of the verb's own is there to replace. */
export interface OutputClaim {
  path: string;
  replaces: boolean;
}

/** `p` itself, or the real path of its longest existing prefix with the rest appended. */
export function realish(p: string): string {
  const abs = path.resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return abs;
      rest.push(path.basename(cur));
      cur = up;
    }
  }
}

/** Whether `inner` is `outer` or lies under it (both absolute). */
export function isWithin(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}

/** The verb named by a folder's marker, or null. */
export function markedBy(dir: string): string | null {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, OUTPUT_MARKER), 'utf8')) as { madeBy?: unknown };
    return typeof j.madeBy === 'string' ? j.madeBy : null;
  } catch {
    return null;
  }
}

/** Mark `dir` as made by `facemask <verb>`. */
export function markOutput(dir: string, verb: string): void {
  fs.writeFileSync(path.join(dir, OUTPUT_MARKER), JSON.stringify({ madeBy: `facemask ${verb}` }) + '\n');
}

function isEmpty(st: fs.Stats, p: string): boolean {
  if (st.isFile()) return st.size === 0;
  if (st.isDirectory()) return fs.readdirSync(p).every((e) => e === OUTPUT_MARKER);
  return false;
}

/** The first input the output would destroy or be mixed with, in words, or null. */
function clashWithInputs(out: string, inputs: readonly string[]): string | null {
  const outSt = statOrNull(out);
  for (const given of inputs) {
    const inp = realish(given);
    const st = statOrNull(inp);
    if (!st) continue;
    if (inp === out || (outSt && st.ino === outSt.ino && st.dev === outSt.dev)) return `is the input ${given}`;
    if (isWithin(inp, out)) return `holds the input ${given}`;
    if (st.isDirectory() && isWithin(out, inp)) return `is inside the input folder ${given}`;
  }
  return null;
}

/** Create the folders of `dir` that are missing, one level at a time; a failure says which and why. */
export function makeFolders(dir: string, refuse: (why: string) => never): void {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let cur = abs;
  while (!statOrNull(cur)) {
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  const st = statOrNull(cur);
  if (st && !st.isDirectory()) refuse(`${cur} is a file, not a folder`);
  for (const m of missing.reverse()) {
    try {
      fs.mkdirSync(m);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && statOrNull(m)?.isDirectory()) continue;
      refuse(`cannot create the folder ${m} (${code ?? (e as Error).message}${code === 'ENOENT' ? ': this place takes no new folders' : ''})`);
    }
  }
}

/** Whether folder `dir` could be made: its nearest existing ancestor is a folder that takes new entries (tried for real). */
function assertCreatable(dir: string, refuse: (why: string) => never): void {
  let cur = path.dirname(dir);
  while (!statOrNull(cur)) cur = path.dirname(cur);
  if (!statOrNull(cur)!.isDirectory()) refuse(`${cur} is a file, not a folder`);
  const probe = path.join(cur, `.facemask-write-test-${process.pid}`);
  try {
    fs.mkdirSync(probe);
    fs.rmdirSync(probe);
  } catch (e) {
    refuse(`no folder can be made in ${cur} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Whether a file can be created in folder `dir` (tried for real, then removed). */
function assertWritable(dir: string, refuse: (why: string) => never): void {
  const probe = path.join(dir, `.facemask-write-test-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    refuse(`nothing can be written in ${dir} (${code ?? (e as Error).message})`);
  }
}

/**
 * Check (and prepare) the place a verb writes to, before any work: a folder output is created (with
 * its missing parents) and marked when new, unless `create` is false. Throws `OutputRefused`.
 */
export function claimOutput(req: OutputRequest): OutputClaim {
  const given = `${req.flag} ${req.target}`;
  const refuse = (why: string): never => {
    throw new OutputRefused(`${given}: ${why}`);
  };
  const out = realish(req.target);
  const clash = clashWithInputs(out, req.inputs);
  if (clash) refuse(`${clash}, and an output never goes where inputs are (it would replace them or mix with them). Name a new place for ${req.what}, for example ${req.flag} ${suggestion(req)}`);
  const st = statOrNull(out);
  let replaces = false;
  if (st) {
    if (req.kind === 'folder' && !st.isDirectory()) refuse(`exists and is not a folder; ${req.what} needs a folder: name a new one, for example ${req.flag} ${suggestion(req)}`);
    if (req.kind === 'file' && st.isDirectory()) refuse(`is a folder; give a file name, for example ${req.flag} ${path.join(req.target, path.basename(suggestion(req)))}`);
    if (!st.isFile() && !st.isDirectory()) refuse('is neither a file nor a folder (a device or a pipe): name a file');
    if (!isEmpty(st, out)) {
      const ours = (req.recognise ?? ((p: string) => markedBy(p) === `facemask ${req.verb}`))(out);
      if (!ours) refuse(`already exists and was not made by facemask ${req.verb}: it is left as it is. Name a new place, for example ${req.flag} ${suggestion(req)}`);
      if (!req.overwrite) refuse(`holds an earlier output of facemask ${req.verb}: add --overwrite to replace it, or name a new place, for example ${req.flag} ${suggestion(req)}`);
      replaces = true;
    }
  }
  // a folder output is made with its missing parents (mkdir -p); a file goes into a folder that exists
  if (req.kind === 'file') {
    const folder = path.dirname(out);
    if (!statOrNull(folder)?.isDirectory()) refuse(`its folder ${folder} does not exist${statOrNull(folder) ? ' (a file is there)' : ''}: create it first (mkdir -p ${folder}), or name a file in a folder that exists`);
    assertWritable(folder, refuse);
  } else if (req.create ?? true) {
    makeFolders(out, refuse);
    assertWritable(out, refuse);
    if (!replaces) markOutput(out, req.verb);
  } else {
    assertCreatable(out, refuse);
  }
  return { path: out, replaces };
}

/** A name beside the target that does not exist yet: `annotated-2`, `out-2.mp4`. */
function suggestion(req: OutputRequest): string {
  const t = req.target.replace(/[\\/]+$/, '') || 'out';
  const ext = req.kind === 'file' ? path.extname(t) : '';
  const stem = ext ? t.slice(0, -ext.length) : t;
  const base = path.basename(stem) === '.' || path.basename(stem) === '' ? `${req.verb}-output` : stem;
  for (let k = 2; ; k++) {
    const c = `${base}-${k}${ext}`;
    if (!statOrNull(c)) return c;
  }
}

/** Empty a folder granted with `replaces` (the verb's own earlier output) and mark it again. */
export function clearOutputFolder(dir: string, verb: string): void {
  for (const e of fs.readdirSync(dir)) fs.rmSync(path.join(dir, e), { recursive: true, force: true });
  markOutput(dir, verb);
}
