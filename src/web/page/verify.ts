/**
 * Model files fetched from the `facemask serve` server and checked before use: each file's SHA-256
 * (Web Crypto) must be the one its manifest (the classifier) or the committed asset sums (YuNet)
 * record. Browser-safe; it runs in Node too (fetch and Web Crypto are global there).
 */

/** A model file cannot be fetched, or is not the file it should be. The message says what to do. */
export class ModelLoadError extends Error {}

/** What to do when a model file is missing or damaged on the server's side. */
export const PREPARE_HINT = 'run `npx facemask prepare --mirror ../shared` in the project, then restart `npx facemask serve`';

/** Lower-case hex SHA-256 of `bytes` (Web Crypto: the page must be a secure context, e.g. http://127.0.0.1). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new ModelLoadError('this page cannot check the model files: Web Crypto is only available on secure pages — open it at http://127.0.0.1:<port>/ or http://localhost:<port>/ on the machine that runs `facemask serve`');
  const digest = await subtle.digest('SHA-256', bytes as BufferSource); // DOM's typings want an ArrayBuffer-backed view: a fetched body is one
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * GET `url` as bytes; a network failure or an HTTP error becomes a `ModelLoadError` naming `what` (and
 * `hint`: what to do; default: the server's). A network failure is retried once: a kept-alive
 * connection the server closed while this side was busy (loading a network) fails the first request on it.
 */
export async function fetchBytes(url: string, what: string, hint: string = PREPARE_HINT): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { cache: 'no-store' }).catch(() => fetch(url, { cache: 'no-store' }));
  } catch (e) {
    throw new ModelLoadError(`cannot fetch ${what} (${url}): ${(e as Error).message} — is \`npx facemask serve\` still running?`);
  }
  if (!res.ok) throw new ModelLoadError(`cannot fetch ${what} (${url}): HTTP ${res.status} ${res.statusText} — ${hint}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** GET `url` and check its SHA-256 against `expected` (hex); a mismatch is refused with both sums. `hint`: what to do (default: the server's). */
export async function fetchVerified(url: string, expected: string, what: string, recordedIn: string, hint: string = PREPARE_HINT): Promise<Uint8Array> {
  if (!/^[0-9a-f]{64}$/i.test(expected ?? '')) throw new ModelLoadError(`${recordedIn} records no valid SHA-256 for ${what} (got ${JSON.stringify(expected)}) — ${hint}`);
  const bytes = await fetchBytes(url, what, hint);
  const got = await sha256Hex(bytes);
  if (got !== expected.toLowerCase()) {
    throw new ModelLoadError(`${what} is not the file ${recordedIn} records: SHA-256 ${got.slice(0, 12)}… instead of ${expected.slice(0, 12)}… (${bytes.length} bytes; damaged or replaced) — refusing it; ${hint}`);
  }
  return bytes;
}
