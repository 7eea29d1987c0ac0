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
  const images: InputFile[] = [];
  const errors: { file: string; error: string }[] = [];
  for (const inp of inputs) {
    let st: fs.Stats;
    try {
      st = fs.statSync(inp);
    } catch {
      errors.push({ file: inp, error: 'no such file or folder' });
      continue;
    }
    if (st.isDirectory()) {
      const found: string[] = [];
      walk(inp, found);
      for (const f of found) {
        try {
          if (sniffFile(f)) images.push({ file: f });
        } catch {
          /* unreadable entries inside folders are skipped like non-images */
        }
      }
    } else {
      images.push({ file: inp });
    }
  }
  return { images, errors };
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
