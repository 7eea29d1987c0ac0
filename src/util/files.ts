/**
 * Inputs as the conventions say: positional files and folders, folders walked recursively,
 * images recognised by their content whatever the extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sniffFile } from './images';

export interface InputFile {
  /** The path as the user gave it (or as found under a given folder). */
  file: string;
}

export interface CollectedInputs {
  images: InputFile[];
  /** Inputs that could not be used, with the reason (missing path, not an image given by name). */
  errors: { file: string; error: string }[];
  /** Both, in the order the inputs were named (a folder's images in walk order): the order of the result lines. */
  entries: (InputFile & { error?: string })[];
}

/**
 * Results in input order: `image` for each image's result as it comes (in `images` order), `rest`
 * at the end. An input that could not be used gets its error line where it was named.
 */
export function inInputOrder<R>(c: CollectedInputs, emit: (r: R | { file: string; error: string }) => void): { image: (r: R) => void; rest: () => void } {
  let next = 0;
  const errorsUpTo = () => {
    for (; next < c.entries.length && c.entries[next].error !== undefined; next++) emit({ file: c.entries[next].file, error: c.entries[next].error! });
  };
  return {
    image(r) {
      errorsUpTo();
      emit(r);
      next++;
    },
    rest: errorsUpTo,
  };
}

function walk(dir: string, out: string[]): void {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/**
 * Expand positional inputs. A file named explicitly is always kept (so that a broken image gets
 * its own error line); inside folders only files whose content is an image are kept.
 */
export function collectInputs(inputs: string[]): CollectedInputs {
  const entries: CollectedInputs['entries'] = [];
  for (const inp of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(inp);
    } catch {
      entries.push({ file: inp, error: 'no such file or folder' });
      continue;
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      walk(inp, found);
      for (const f of found) {
        try {
          if (sniffFile(f)) entries.push({ file: f });
        } catch {
          /* unreadable entries inside folders are skipped like non-images */
        }
      }
    } else if (st.isFile()) {
      entries.push({ file: inp });
    } else {
      // a pipe, socket or device would block or never end: only regular files are read
      entries.push({ file: inp, error: 'not a regular file (a pipe, socket or device): give an image file' });
    }
  }
  return {
    entries,
    images: entries.filter((e) => e.error === undefined).map((e) => ({ file: e.file })),
    errors: entries.filter((e): e is { file: string; error: string } => e.error !== undefined),
  };
}

/** Run `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}
