/** `SHA256SUMS` files: parsing, path safety, hashing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';

export interface SumEntry {
  /** Relative path with forward slashes, no leading `./`. */
  rel: string;
  sha256: string;
}

/** Parse `sha256sum` output (`<64 hex>  ./path`, paths may contain spaces). */
export function parseSums(text: string, source = 'SHA256SUMS'): SumEntry[] {
  const out: SumEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: not a sha256sum line: ${JSON.stringify(line.slice(0, 80))}`);
    out.push({ sha256: m[1], rel: safeRelative(m[2], `${source}:${i + 1}`) });
  });
  return out;
}

/**
 * Normalise a relative path and refuse anything that would escape its folder
 * (absolute paths, `..` segments, NUL bytes, backslashes).
 */
export function safeRelative(rel: string, where = 'path'): string {
  if (rel.includes('\0') || rel.includes('\\')) throw new Error(`${where}: refused path ${JSON.stringify(rel)} (invalid characters)`);
  if (path.posix.isAbsolute(rel)) throw new Error(`${where}: refused path ${JSON.stringify(rel)}: absolute paths would escape the target folder`);
  const norm = path.posix.normalize(rel.replace(/^(\.\/)+/, ''));
  if (norm === '.' || norm === '' || norm === '..' || norm.startsWith('../') || norm.split('/').includes('..')) {
    throw new Error(`${where}: refused path ${JSON.stringify(rel)}: it would escape the target folder`);
  }
  return norm;
}

/** Join and double-check that the result stays inside `dir`. */
export function insideDir(dir: string, rel: string): string {
  const full = path.resolve(dir, safeRelative(rel));
  const root = path.resolve(dir) + path.sep;
  if (!full.startsWith(root)) throw new Error(`refused path ${JSON.stringify(rel)}: it would escape ${dir}`);
  return full;
}

/** SHA-256 of a file, streamed. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    fs.createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
