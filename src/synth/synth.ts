/**
 * `facemask synth`: masks placed on every usable face of the input photos, one output image per
 * face and copy, in one folder per label (`with_mask`, `incorrect_mask`) plus `manifest.jsonl`.
 *
 * Reproducible: every image draws its mode and style from a stream seeded by (run seed, source,
 * face, copy), outputs and manifest are in input order, and the manifest holds no timestamps or
 * absolute paths — the same inputs and seed give the same bytes. The output folder is built under
 * a temporary name and renamed into place when complete; it never replaces anything but an earlier
 * synth output, and that only when asked (`overwrite`). Photos larger than `data.workPixels` are
 * worked on scaled down (recorded per image as `scale`).
 *
 * Two options bring the images closer to the street (issue 14), each drawing from its own stream
 * so that neither changes the other's draws nor the mode and style: `varyEdge` places a lowered
 * mask's top edge anywhere in its range (`EDGE_RANGE`: just under the nose to over the upper lip
 * for `nose`, under the lower lip to the chin for `chin`), `degrade` scales each image down to a
 * street-size face and back (`./degrade`). With both off, outputs are byte for byte what they were.
 *
 * Over 300 lines: the verb's batch driver with its manifest and summary.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { collectInputs, mapLimit } from '../util/files';
import { decodeImageWithin, encodeImage, type RgbImage } from '../util/images';
import { writeDirAtomic } from '../util/atomic';
import { claimOutput, markOutput, markedBy } from '../util/output';
import { progress } from '../util/progress';
import type { Config } from '../config';
import type { Box } from '../result';
import { MODES, MODE_LABEL, edgeBelowNoseTip, faceAnchors, type Landmarks, type Pt, type SkipReason, type WearMode } from './geometry';
import { CONFUSER_MODES, drawConfuser, isConfuserMode, type ConfuserMode } from './confusers';
import { DEGRADE_RANGES, checkDegradeRanges, degradeImage, planDegradation, type DegradeRanges, type Degradation } from './degrade';
import { findLandmarkedFaces, type FaceApi, type LandmarkedFace } from './landmarks';
import { placeMask } from './place';
import { DEFAULT_STYLES, renderStyle, resolveStyle, type MaskStyle, type RgbaCanvas } from './styles';
import { choice, rngFor, type Rng } from './rng';

export const MANIFEST = 'manifest.jsonl';

/** What `facemask synth` can draw: a mask worn one of three ways, or a confuser (src/synth/confusers.ts). */
export const SYNTH_MODES = [...MODES, ...CONFUSER_MODES] as const;
export type SynthMode = WearMode | ConfuserMode;
export type SynthLabel = 'with_mask' | 'incorrect_mask' | 'without_mask';
/** The label each mode produces (docs/contracts.md "What counts as a mask": a confuser leaves a face without_mask). */
export const SYNTH_LABEL: Record<SynthMode, SynthLabel> = {
  ...MODE_LABEL,
  ...(Object.fromEntries(CONFUSER_MODES.map((m) => [m, 'without_mask'])) as Record<ConfuserMode, 'without_mask'>),
};
export const isSynthMode = (m: string): m is SynthMode => (SYNTH_MODES as readonly string[]).includes(m);

/** One line of `manifest.jsonl`. */
export interface SynthManifestEntry {
  /** The generated image, relative to the output folder (`with_mask/…jpg`). */
  file: string;
  /** SHA-256 of the generated image's bytes (the key the split file uses). */
  sha256: string;
  label: SynthLabel;
  /** The source photo relative to the input it was found under (`<input folder name>/<path inside>`, or the file name). */
  source: string;
  /** SHA-256 of the source photo's bytes: links the image to the source's group. */
  sourceSha256: string;
  /** Face index in the source (faces ordered left to right). */
  face: number;
  /** Copy number for this face (0 … per-face − 1). */
  copy: number;
  /** The face box in the source photo, [x, y, w, h]. */
  box: Box;
  /** The crop of the source this image shows, [x, y, w, h]. */
  crop: Box;
  /** Concrete style name (re-creates the style); for a confuser, what was drawn (`scarf-checks-#524123`). */
  style: string;
  mode: SynthMode;
  /** The run seed. */
  seed: number;
  roll: number;
  yaw: number;
  /** With `varyEdge`, lowered modes: where the top edge sits in the mode's range (0–1, `EDGE_RANGE`). */
  edge?: number;
  /** With `varyEdge`, lowered modes: how far the top edge sits below the nose tip, in nose-bridge lengths (from the landmarks). */
  edgeBelowNoseTip?: number;
  /** With `degrade`: what was done to the image. */
  degrade?: Degradation;
  /** The source was worked on scaled by this (it has more than `data.workPixels` pixels): `box` and `crop` are in those pixels. Absent: 1. */
  scale?: number;
}

export type ImageSkipReason = 'no_face' | 'unreadable';

export interface SynthSummary {
  inputs: number;
  /** Images with at least one usable face. */
  imagesUsed: number;
  imagesSkipped: Record<ImageSkipReason, number>;
  faces: { found: number; used: number; skipped: Record<SkipReason, number> };
  generated: number;
  byLabel: Record<SynthLabel, number>;
  byMode: Record<SynthMode, number>;
  /** Input errors (unreadable files, missing paths), in input order. */
  errors: { file: string; error: string }[];
  seconds: number;
  /** With `keepOutlines`: the mask outline of each generated image (key: its `file`), in its pixels. */
  outlines?: Map<string, Pt[]>;
}

export interface SynthOptions {
  output: string;
  /** Style names to draw from (STYLE_NAMES or concrete names). default: DEFAULT_STYLES */
  styles?: string[];
  /** Modes to draw from (wearing modes and confusers, `SYNTH_MODES`). default: ['correct'] */
  modes?: SynthMode[];
  /** Images per usable face. default: 1 */
  perFace?: number;
  /** Use every Nth input image only (the 1st, the (N+1)th, …, in the inputs' order). default: 1 */
  every?: number;
  /** With `every`, start at this input (0-based, < every): `every 3, start 1` takes the inputs `every 3` leaves out first. default: 0 */
  start?: number;
  /** default: config `seed` (42) */
  seed?: number;
  /** The configuration (its `synth` and `data` sections; `seed` is the default seed). */
  config: Config;
  /** A loaded face-api with ssdMobilenetv1 + faceLandmark68Net (see `loadFaceApi`). */
  faceapi: FaceApi;
  /** No progress bar. default: false */
  quiet?: boolean;
  /** Replace an earlier synth output at `output` (never anything else, src/util/output.ts). default: false */
  overwrite?: boolean;
  /** Return each generated image's mask outline (in its own pixels) in `summary.outlines`. default: false */
  keepOutlines?: boolean;
  /** Draw each lowered mask's top edge from its mode's range (seeded per image) instead of the fixed position. default: false */
  varyEdge?: boolean;
  /** Degrade each image to a street-size face (`true`: `DEGRADE_RANGES`; or other ranges). default: off */
  degrade?: boolean | Partial<DegradeRanges>;
  /** Faces already found (`FaceMemo`): give the same one to several runs over the same photos to search each photo once. default: none */
  faces?: FaceMemo;
}

/**
 * The faces found in source photos, kept between runs of `synthesise` over the same photos (a notebook
 * or a test that runs it with other options). Keyed by the photo's bytes (SHA-256), the scale it is
 * worked on and the search's options, so a run with other search options searches again.
 */
export type FaceMemo = Map<string, LandmarkedFace[]>;

interface Source {
  file: string;
  /** Relative name recorded in the manifest. */
  source: string;
}

const posix = (p: string) => p.split(path.sep).join('/');

/** Expand inputs into sources with their manifest names (relative to the input they came from). */
export function collectSources(inputs: string[]): { sources: Source[]; errors: { file: string; error: string }[] } {
  const sources: Source[] = [];
  const errors: { file: string; error: string }[] = [];
  const seen = new Set<string>();
  for (const inp of inputs) {
    const c = collectInputs([inp]);
    errors.push(...c.errors);
    const isDir = c.errors.length === 0 && fs.statSync(inp).isDirectory();
    const root = path.resolve(inp);
    for (const im of c.images) {
      const rel = isDir ? posix(path.join(path.basename(root), path.relative(root, path.resolve(im.file)))) : path.basename(im.file);
      if (seen.has(rel)) {
        errors.push({ file: im.file, error: `given twice (as ${rel})` });
        continue;
      }
      seen.add(rel);
      sources.push({ file: im.file, source: rel });
    }
  }
  return { sources, errors };
}

/** A square crop around the face box (margin per side as a share of the longer side), clipped. */
export function cropAround(box: Box, width: number, height: number, margin: number): Box {
  const side = Math.max(box[2], box[3]) * (1 + 2 * margin);
  const cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
  const x0 = Math.max(0, Math.round(cx - side / 2)), y0 = Math.max(0, Math.round(cy - side / 2));
  const x1 = Math.min(width, Math.round(cx + side / 2)), y1 = Math.min(height, Math.round(cy + side / 2));
  return [x0, y0, x1 - x0, y1 - y0];
}

export function cropImage(img: RgbImage, c: Box): RgbImage {
  const [x0, y0, w, h] = c;
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x0 + w) * 3), y * w * 3);
  return { data: out, width: w, height: h };
}

const safeStem = (s: string) => path.basename(s).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'image';
const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Mode and style of one generated image, from its own seeded stream. */
export function planImage(seed: number, source: string, face: number, copy: number, modes: SynthMode[], styles: string[], perFace: number): { mode: SynthMode; style: MaskStyle } {
  const rng = rngFor(seed, source, face, copy);
  // With as many copies as modes, each mode in turn; otherwise a random mode.
  const mode = perFace >= modes.length ? modes[copy % modes.length] : choice(rng, modes);
  const style = resolveStyle(choice(rng, styles), rng);
  return { mode, style };
}

/** The seeded top-edge position of one image (its own stream), to 3 decimals so the manifest re-creates it. */
export function planEdge(seed: number, source: string, face: number, copy: number): number {
  return Math.round(rngFor(seed, source, face, copy, 'edge')() * 1000) / 1000;
}

/** The seeded degradation of one image (its own stream). */
export function planDegrade(seed: number, source: string, face: number, copy: number, ranges: DegradeRanges = DEGRADE_RANGES): Omit<Degradation, 'small'> {
  return planDegradation(rngFor(seed, source, face, copy, 'degrade'), ranges);
}

/** A confuser's own stream (seeded per image, apart from the mode and style draws). */
export const planConfuser = (seed: number, source: string, face: number, copy: number): Rng => rngFor(seed, source, face, copy, 'confuser');

/** Extras of one image: a lowered mask's top edge (0–1), a street-size degradation, a confuser's stream. */
export interface FaceExtras {
  edge?: number;
  degrade?: Omit<Degradation, 'small'>;
  /** Confuser modes: the stream the drawing draws from. default: a fixed stream */
  confuser?: Rng;
}

/**
 * Generate one image for a face of a decoded photo (pure except for encoding): a mask worn as
 * `mode` says in `style`, or, for a confuser mode, the confuser drawn from `extras.confuser`
 * (`drawn` names it; its outline is empty).
 */
export async function synthFace(img: RgbImage, face: Pick<LandmarkedFace, 'box' | 'landmarks'>, mode: SynthMode, style: MaskStyle, canvas: RgbaCanvas, cfg: Config['synth'], extras: FaceExtras = {}): Promise<{ bytes: Buffer; crop: Box; outline: Pt[]; edgeBelowNoseTip?: number; degrade?: Degradation; drawn?: string }> {
  const crop = cropAround(face.box, img.width, img.height, cfg.cropMargin);
  const sub = cropImage(img, crop);
  const lm: Landmarks = face.landmarks.map((p) => [p[0] - crop[0], p[1] - crop[1]]);
  const edge = mode === 'nose' || mode === 'chin' ? extras.edge : undefined;
  let image: RgbImage, outline: Pt[] = [], drawn: string | undefined;
  if (isConfuserMode(mode)) {
    const d = drawConfuser(sub, lm, mode, extras.confuser ?? rngFor('confuser'));
    image = d.image;
    drawn = d.name;
  } else {
    const placed = placeMask(sub, lm, mode, style, canvas, edge === undefined ? {} : { edge });
    image = placed.image;
    outline = placed.outline;
  }
  let degrade: Degradation | undefined;
  if (extras.degrade) {
    const d = await degradeImage(image, Math.min(face.box[2], face.box[3]), extras.degrade);
    image = d.image;
    degrade = { ...extras.degrade, small: d.small };
  }
  const bytes = await encodeImage(image, 'jpeg', cfg.jpegQuality);
  const below = edge === undefined ? undefined : Math.round(edgeBelowNoseTip(lm, faceAnchors(lm, mode as WearMode, edge)) * 1000) / 1000;
  return { bytes, crop, outline, ...(below === undefined ? {} : { edgeBelowNoseTip: below }), ...(degrade ? { degrade } : {}), ...(drawn ? { drawn } : {}) };
}

/** Rasterised styles, reused across faces (bounded). */
class CanvasCache {
  private m = new Map<string, RgbaCanvas>();
  constructor(private max = 64) {}
  get(style: MaskStyle): RgbaCanvas {
    let c = this.m.get(style.name);
    if (!c) {
      c = renderStyle(style);
      if (this.m.size >= this.max) this.m.delete(this.m.keys().next().value as string);
      this.m.set(style.name, c);
    }
    return c;
  }
}

/** Validate style names early (throws with the valid forms). */
export function validateStyles(styles: string[]): void {
  const rng = rngFor('validate');
  for (const s of styles) resolveStyle(s, rng);
}

/** Run synthesis over `inputs` into `opts.output`. */
/** A run's settings, checked (each refusal names the setting and its valid form). */
interface SynthPlan {
  cfg: Config['synth'];
  data: Config['data'];
  seed: number;
  modes: SynthMode[];
  styles: string[];
  perFace: number;
  degradeRanges: DegradeRanges | null;
  every: number;
  start: number;
}

function planRun(opts: SynthOptions): SynthPlan {
  const cfg = opts.config.synth;
  const seed = opts.seed ?? opts.config.seed;
  if (!(cfg.cropMargin >= 0)) throw new Error(`synth.cropMargin must be >= 0 (got ${cfg.cropMargin})`);
  if (!(cfg.jpegQuality >= 1 && cfg.jpegQuality <= 100)) throw new Error(`synth.jpegQuality must be in 1..100 (got ${cfg.jpegQuality})`);
  if (!(Number.isInteger(cfg.concurrency) && cfg.concurrency >= 1)) throw new Error(`synth.concurrency must be a whole number >= 1 (got ${cfg.concurrency})`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be a whole number (got ${seed})`);
  const modes = opts.modes && opts.modes.length ? opts.modes : (['correct'] as SynthMode[]);
  for (const m of modes) if (!isSynthMode(m)) throw new Error(`unknown mode "${m}" (valid: ${SYNTH_MODES.join(', ')})`);
  const styles = opts.styles && opts.styles.length ? opts.styles : DEFAULT_STYLES;
  validateStyles(styles);
  const perFace = opts.perFace ?? 1;
  if (!Number.isInteger(perFace) || perFace < 1) throw new Error(`per-face must be a whole number >= 1 (got ${perFace})`);
  const degradeRanges = opts.degrade ? { ...DEGRADE_RANGES, ...(opts.degrade === true ? {} : opts.degrade) } : null;
  if (degradeRanges) checkDegradeRanges(degradeRanges);
  const every = opts.every ?? 1;
  if (!(Number.isInteger(every) && every >= 1)) throw new Error(`every must be a positive whole number, got ${every}`);
  const start = opts.start ?? 0;
  if (!(Number.isInteger(start) && start >= 0 && start < every)) throw new Error(`start must be a whole number from 0 to every - 1 (${every - 1}), got ${start}`);
  return { cfg, data: opts.config.data, seed, modes, styles, perFace, degradeRanges, every, start };
}

/** What one source photo gave: its manifest lines, its faces (usable or not), or why it could not be read. */
interface ImageOutcome {
  entries: SynthManifestEntry[];
  faces: LandmarkedFace[];
  error?: string;
}

/** Every image of one source photo, written into `tmp` (a large photo is worked on scaled down: config data.workPixels). */
async function synthSource(src: Source, plan: SynthPlan, opts: SynthOptions, tmp: string, canvases: CanvasCache, outlines: Map<string, Pt[]>): Promise<ImageOutcome> {
  const { cfg, seed, modes, styles, perFace, degradeRanges } = plan;
  let bytes: Buffer, img: RgbImage, scale: number;
  try {
    bytes = fs.readFileSync(src.file);
    ({ image: img, scale } = await decodeImageWithin(bytes, { maxPixels: plan.data.maxPixels, fitPixels: plan.data.workPixels }));
  } catch (e) {
    return { entries: [], faces: [], error: (e as Error).message };
  }
  const sourceSha256 = createHash('sha256').update(bytes).digest('hex');
  const entries: SynthManifestEntry[] = [];
  // with a varying edge, a face is usable only when its mesh holds across the whole range
  const search = { ...cfg, minScore: cfg.minScore, ...(opts.varyEdge ? { edgeRange: true } : {}) };
  const key = `${sourceSha256} ${scale} ${JSON.stringify(search)}`;
  const faces = opts.faces?.get(key) ?? (await findLandmarkedFaces(opts.faceapi, img, search));
  opts.faces?.set(key, faces);
  for (const [f, face] of faces.entries()) {
    if (!face.ok) continue;
    for (let k = 0; k < perFace; k++) {
      const { mode, style } = planImage(seed, src.source, f, k, modes, styles, perFace);
      const extras: FaceExtras = {
        ...(opts.varyEdge && (mode === 'nose' || mode === 'chin') ? { edge: planEdge(seed, src.source, f, k) } : {}),
        ...(degradeRanges ? { degrade: planDegrade(seed, src.source, f, k, degradeRanges) } : {}),
        ...(isConfuserMode(mode) ? { confuser: planConfuser(seed, src.source, f, k) } : {}),
      };
      const made = await synthFace(img, face, mode, style, canvases.get(style), cfg, extras);
      const label = SYNTH_LABEL[mode];
      const name = `${label}/${safeStem(src.source)}_${short(src.source)}_f${f}_${k}.jpg`;
      fs.writeFileSync(path.join(tmp, name), made.bytes);
      if (opts.keepOutlines) outlines.set(name, made.outline);
      entries.push({
        file: name, sha256: createHash('sha256').update(made.bytes).digest('hex'), label, source: src.source, sourceSha256,
        face: f, copy: k, box: face.box, crop: made.crop, style: made.drawn ?? style.name, mode, seed, roll: r1(face.roll), yaw: r1(face.yaw),
        ...(extras.edge === undefined ? {} : { edge: extras.edge, edgeBelowNoseTip: made.edgeBelowNoseTip }),
        ...(made.degrade ? { degrade: made.degrade } : {}),
        ...(scale < 1 ? { scale: Math.round(scale * 1e4) / 1e4 } : {}),
      });
    }
  }
  return { entries, faces };
}

/** Count the outcomes into `summary` (in input order) and return the manifest's lines. */
function tally(outcomes: readonly ImageOutcome[], sources: readonly Source[], summary: SynthSummary): string[] {
  const lines: string[] = [];
  outcomes.forEach((r, i) => {
    if (r.error) {
      summary.imagesSkipped.unreadable++;
      summary.errors.push({ file: sources[i].file, error: r.error });
      return;
    }
    summary.faces.found += r.faces.length;
    for (const f of r.faces) if (!f.ok) summary.faces.skipped[f.reason!]++;
    const used = r.faces.filter((f) => f.ok).length;
    summary.faces.used += used;
    if (r.faces.length === 0) summary.imagesSkipped.no_face++;
    if (used) summary.imagesUsed++;
    for (const e of r.entries) {
      lines.push(JSON.stringify(e));
      summary.generated++;
      summary.byLabel[e.label]++;
      summary.byMode[e.mode]++;
    }
  });
  return lines;
}

const emptySummary = (inputs: number, errors: { file: string; error: string }[]): SynthSummary => ({
  inputs,
  imagesUsed: 0,
  imagesSkipped: { no_face: 0, unreadable: 0 },
  faces: { found: 0, used: 0, skipped: { too_small: 0, turned: 0, implausible: 0 } },
  generated: 0,
  byLabel: { with_mask: 0, incorrect_mask: 0, without_mask: 0 },
  byMode: Object.fromEntries(SYNTH_MODES.map((m) => [m, 0])) as Record<SynthMode, number>,
  errors: [...errors],
  seconds: 0,
});

/** Run synthesis over `inputs` into `opts.output`. */
export async function synthesise(inputs: string[], opts: SynthOptions): Promise<SynthSummary> {
  const t0 = Date.now();
  const plan = planRun(opts);
  // the output folder, checked before any work: never an input, replaced only when it is synth's own and overwrite is set
  const out = claimOutput({ verb: 'synth', flag: '--output', target: opts.output, kind: 'folder', inputs, overwrite: opts.overwrite ?? false, recognise: isSynthOutput, what: 'the synthetic images', create: false }).path;
  const collected = collectSources(inputs);
  const sources = collected.sources.filter((_, i) => i % plan.every === plan.start);
  const errors = collected.errors;
  if (sources.length === 0) throw new Error(`no images found in the inputs${errors.length ? ` (${errors.map((e) => `${e.file}: ${e.error}`).join('; ')})` : ''}`);
  const summary = emptySummary(sources.length, errors);
  const canvases = new CanvasCache();
  const outlines = new Map<string, Pt[]>();
  if (opts.keepOutlines) summary.outlines = outlines;
  const bar = progress('synth', sources.length, { quiet: opts.quiet, unit: 'img' });
  await writeDirAtomic(out, async (tmp) => {
    for (const label of ['with_mask', 'incorrect_mask', ...(plan.modes.some(isConfuserMode) ? ['without_mask'] : [])]) fs.mkdirSync(path.join(tmp, label));
    // Decoding runs ahead (concurrency), detection is serialised by the tfjs backend; each
    // image's results are kept at its index so output does not depend on timing.
    const outcomes = await mapLimit(sources, plan.cfg.concurrency, async (src) => {
      const r = await synthSource(src, plan, opts, tmp, canvases, outlines);
      bar.tick();
      return r;
    });
    const lines = tally(outcomes, sources, summary);
    fs.writeFileSync(path.join(tmp, MANIFEST), lines.length ? lines.join('\n') + '\n' : '');
    markOutput(tmp, 'synth');
  });
  summary.seconds = (Date.now() - t0) / 1000;
  bar.done(`${summary.generated} generated from ${summary.faces.used} faces`);
  return summary;
}

/**
 * Whether `dir` is a synth output (what `overwrite` may replace): its marker, or — made before
 * markers — a manifest that lists every image in the folder and nothing else beside them.
 */
export function isSynthOutput(dir: string): boolean {
  if (markedBy(dir) === 'facemask synth') return true;
  let listed: Set<string>;
  try {
    listed = new Set(readSynthManifest(dir).map((e) => e.file));
  } catch {
    return false;
  }
  const labels = new Set(Object.values(SYNTH_LABEL) as string[]);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === MANIFEST) continue;
    if (!e.isDirectory() || !labels.has(e.name)) return false;
    for (const f of fs.readdirSync(path.join(dir, e.name))) if (!listed.has(`${e.name}/${f}`)) return false;
  }
  return true;
}

/** Read a synth output's manifest (`dir/manifest.jsonl` or the file itself). */
export function readSynthManifest(dirOrFile: string): SynthManifestEntry[] {
  const file = fs.existsSync(dirOrFile) && fs.statSync(dirOrFile).isDirectory() ? path.join(dirOrFile, MANIFEST) : dirOrFile;
  if (!fs.existsSync(file)) throw new Error(`no synth manifest at ${file}`);
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as SynthManifestEntry;
    } catch {
      throw new Error(`${file}:${i + 1}: not a JSON line`);
    }
  });
}

/** "a 3, b 0, c 2": the keys in `always`, then any other key with a count. */
function counted<K extends string>(c: Record<K, number>, always: readonly K[]): string {
  return (Object.keys(c) as K[]).filter((k) => always.includes(k) || c[k] > 0).map((k) => `${k} ${c[k]}`).join(', ');
}

/** A plain-text summary of a run (CLI and notebook). */
export function formatSummary(s: SynthSummary): string {
  const sk = s.faces.skipped;
  return [
    `inputs: ${s.inputs} images (${s.imagesUsed} used; skipped: ${s.imagesSkipped.no_face} without a face, ${s.imagesSkipped.unreadable} unreadable)`,
    `faces: ${s.faces.found} found, ${s.faces.used} used, skipped: ${sk.too_small} too small, ${sk.turned} too turned, ${sk.implausible} implausible landmarks`,
    `generated: ${s.generated} images (${counted(s.byLabel, ['with_mask', 'incorrect_mask'])}; ${counted(s.byMode, MODES)}) in ${s.seconds.toFixed(1)} s (${(s.inputs / Math.max(s.seconds, 1e-3)).toFixed(2)} input images/s)`,
  ].join('\n');
}
