/**
 * A small, strict argument parser. Each verb declares its flags; anything else is refused with
 * the verb's valid form. `--flag value` and `--flag=value`; list flags take every value up to the
 * next flag (`--only a b c`).
 */

export type FlagType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  /** Placeholder in the usage line, e.g. `DIR`. */
  value?: string;
  help: string;
  /** Allowed values (for string and list flags). */
  choices?: readonly string[];
}

/** The flags a verb declares, by name. */
export type FlagSpecs = Record<string, FlagSpec>;

/** A flag's parsed value, from its declaration: a string (one of its choices), a number, a boolean, or a list. */
export type FlagValue<F extends FlagSpec> = F['type'] extends 'boolean'
  ? boolean
  : F['type'] extends 'number' | 'integer'
    ? number
    : F['type'] extends 'list'
      ? Choice<F>[]
      : Choice<F>;
type Choice<F extends FlagSpec> = F extends { choices: readonly (infer C extends string)[] } ? C : string;

/** Parsed arguments, typed by the verb's declared flags (a flag not given is undefined). */
export interface ParsedArgs<S extends FlagSpecs = FlagSpecs> {
  positional: string[];
  flags: { [K in keyof S]?: FlagValue<S[K]> };
}

export interface VerbSpec<S extends FlagSpecs = FlagSpecs> {
  name: string;
  summary: string;
  /** Positional arguments, e.g. `<files or folders...>`. */
  positional?: { name: string; min: number; max?: number };
  flags: S;
  /** Numbered, copy-pasteable examples for `--help`. */
  examples: { cmd: string; note: string }[];
  /**
   * The verb watches `interruption.signal` (src/util/interrupt.ts) and finishes cleanly on Ctrl-C,
   * keeping its work. default: false (Ctrl-C removes what it half-made and exits 130 at once)
   */
  graceful?: boolean;
  run(args: ParsedArgs<S>): Promise<number>;
}

/** A verb whose `run` sees its flags typed as declared (no casts): `defineVerb({ flags: { n: { type: 'integer', … } }, run(a) { a.flags.n … } })`. */
export function defineVerb<const S extends FlagSpecs>(v: VerbSpec<S>): VerbSpec<S> {
  return v;
}

/**
 * A verb by name, its module loaded only when the verb runs or its help is shown: each verb's module
 * pulls in what it needs (tfjs and the chart library for training, onnxruntime and sharp for
 * detection), so `facemask detect` starts without loading what `train` needs (0.2 s instead of 1.3).
 */
export interface VerbEntry {
  name: string;
  load(): VerbSpec;
}

/** `--overwrite`, for verbs whose output may replace an earlier output of theirs (src/util/output.ts). */
export const OVERWRITE_FLAG = { type: 'boolean', help: 'replace an earlier output of this verb at that place (never anything else)' } as const satisfies FlagSpec;

export class UsageError extends Error {}

/** Pad to `width`, always leaving at least two spaces. */
export function padTo(s: string, width: number): string {
  return s.length + 2 > width ? s + '  ' : s.padEnd(width);
}

export function usageLine(v: VerbSpec): string {
  const parts = [`facemask ${v.name}`];
  if (v.positional) parts.push(v.positional.min > 0 ? v.positional.name : `[${v.positional.name}]`);
  for (const [name, f] of Object.entries(v.flags)) {
    const val = f.type === 'boolean' ? '' : f.type === 'list' ? ` ${f.value ?? 'X'}...` : ` ${f.value ?? 'X'}`;
    parts.push(`[--${name}${val}]`);
  }
  return parts.join(' ');
}

export function verbHelp(v: VerbSpec): string {
  const lines = [`${v.summary}`, '', `usage: ${usageLine(v)}`, ''];
  const flags = Object.entries(v.flags);
  if (flags.length) {
    lines.push('options:');
    for (const [name, f] of flags) {
      const choice = f.choices ? ` (one of: ${f.choices.join(', ')})` : '';
      lines.push(`  --${name}${f.type === 'boolean' ? '' : ' ' + (f.value ?? 'X')}`.padEnd(28) + f.help + choice);
    }
    lines.push('');
  }
  lines.push('examples:');
  v.examples.forEach((e, i) => lines.push(padTo(`  ${i + 1}. ${e.cmd}`, 60) + `# ${e.note}`));
  return lines.join('\n');
}

/**
 * A list flag's value split at its commas, except commas inside brackets or braces, so a JSON value
 * stays whole (`data.hard={"list":"x.json","copies":3}`, `views.real.smallSide=[8,48]`); empty parts dropped.
 */
export function splitList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[' || c === '{') depth++;
    else if ((c === ']' || c === '}') && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter(Boolean);
}

export function parseArgs<S extends FlagSpecs>(v: VerbSpec<S>, argv: string[]): ParsedArgs<S> {
  const positional: string[] = [];
  const flags: Record<string, string | number | boolean | string[] | undefined> = {};
  const fail = (msg: string): never => {
    throw new UsageError(`${msg}\nusage: ${usageLine(v)}\n(run "facemask ${v.name} --help" for examples)`);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a === '-') {
      if (a.startsWith('-') && a.length > 1 && a !== '-') fail(`unknown option "${a}"`);
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = v.flags[name];
    if (!spec) fail(`unknown option "--${name}" for "facemask ${v.name}"`);
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      if (inline !== undefined && !['true', 'false'].includes(inline)) fail(`--${name} takes no value`);
      flags[name] = inline === undefined ? true : inline === 'true';
      continue;
    }
    if (spec.type === 'list') {
      const vals: string[] = inline !== undefined ? splitList(inline) : [];
      while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) vals.push(...splitList(argv[++i]));
      if (vals.length === 0) fail(`--${name} needs at least one ${spec.value ?? 'value'}`);
      if (spec.choices) for (const x of vals) if (!spec.choices.includes(x)) fail(`--${name}: "${x}" is not one of ${spec.choices.join(', ')}`);
      flags[name] = [...((flags[name] as string[]) ?? []), ...vals];
      continue;
    }
    let val = inline;
    if (val === undefined) {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) fail(`--${name} needs a value (${spec.value ?? 'X'})`);
      val = argv[++i];
    }
    if (spec.type === 'number' || spec.type === 'integer') {
      const n = Number(val);
      if (val!.trim() === '' || !Number.isFinite(n) || (spec.type === 'integer' && !Number.isInteger(n))) {
        fail(`--${name} must be ${spec.type === 'integer' ? 'a whole number' : 'a number'}, got "${val}"`);
      }
      flags[name] = n;
    } else {
      if (spec.choices && !spec.choices.includes(val!)) fail(`--${name}: "${val}" is not one of ${spec.choices.join(', ')}`);
      flags[name] = val;
    }
  }
  if (v.positional) {
    if (positional.length < v.positional.min) fail(`missing ${v.positional.name}`);
    if (v.positional.max !== undefined && positional.length > v.positional.max) fail(`too many arguments: ${positional.join(' ')}`);
  } else if (positional.length) {
    fail(`unexpected argument "${positional[0]}"`);
  }
  return { positional, flags: flags as ParsedArgs<S>['flags'] };
}
