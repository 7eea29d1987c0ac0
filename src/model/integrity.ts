/**
 * What a model means, as one checksum (docs/contracts.md "Models"): the manifest's `integrity`
 * records the SHA-256 of everything that shapes the model's outputs — the manifest itself without
 * its provenance and measurements (`training`, `test`, `createdAt`), so its classes, calibration,
 * crop rule, decision rule, detection settings and the ONNX file's SHA-256, plus the SHA-256 of each
 * file it loads (`files`: the head's graph JSON and weights, a fine-tuned tail's, a composite
 * member's own `integrity`). A swapped class, an edited temperature or an edited activation in
 * `model.json` no longer matches, and the model is refused when loaded (Node and the page).
 *
 * This part is pure and browser-safe: the text that is hashed. Hashing and the files are the
 * caller's (src/model/seal.ts in Node, src/web/page/pipeline.ts in the page, with Web Crypto).
 * The head's `sha256` (the model's identity, what tune and calibrate runs record) stays as it is.
 */

/** The manifest fields left out: who made it and what it measured, not what it computes. */
export const PROVENANCE_FIELDS = ['training', 'test', 'createdAt', 'integrity'] as const;

/** The manifest's record: the files' SHA-256 by name (relative to the model folder) and the checksum over all. */
export interface Integrity {
  files: Record<string, string>;
  sha256: string;
}

/** JSON with object keys sorted at every level and no spaces: one text for one value, in Node and browsers. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The text whose SHA-256 is `integrity.sha256`: the manifest's meaning fields and the files' sums. */
export function integrityText(manifest: object, files: Record<string, string>): string {
  const meaning: Record<string, unknown> = { ...(manifest as Record<string, unknown>) };
  for (const k of PROVENANCE_FIELDS) delete meaning[k];
  return canonicalJson({ manifest: meaning, files });
}

/** `integrity` is `{ files: { name: sha256 }, sha256 }` with hex digests (throws naming `where`). */
export function checkIntegrityRecord(x: unknown, where: string): Integrity {
  const hex = (h: unknown) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h);
  const r = x as Partial<Integrity> | null;
  const ok = r && typeof r === 'object' && hex(r.sha256) && r.files && typeof r.files === 'object' && Object.values(r.files).every(hex);
  if (!ok) throw new Error(`${where}: "integrity" must be { files: { <file>: <64 hex digits> }, sha256: <64 hex digits> }`);
  return r as Integrity;
}
