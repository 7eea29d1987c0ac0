/**
 * The detector registry and the one rule that decides what a pipeline runs: which detector, at
 * which threshold, with which box policy (`resolveSettings`). Browser-safe: it imports no `node:`
 * module; the entries (one per detector, `{ name, summary, ownThreshold, create }`) are passed in —
 * src/detection/detectors.ts registers the Node ones. Adding a detector is one entry.
 *
 * Settings, first found wins:
 *   1. what the caller asks for (command-line flags, `--threshold`, `--not-face`, `--trust-above`,
 *      `--upscale`);
 *   2. the setting chosen for this model by `facemask tune` (the manifest's `detection`): for photos
 *      its photo setting (`detection.photo`: a detector, maybe two scales, its threshold and box
 *      policy), for video — and for photos with another detector — that detector's one-scale setting
 *      (`detection.settings[detector]`);
 *   3. the detector's own threshold (`detect.<detector>.minConfidence`), one scale, and no rejection
 *      by probability, no trusted boxes (`PLAIN_POLICY`).
 * `null` means "off" for the two policy levels and the second scale; an absent (undefined) field
 * means "not asked".
 */
import type { Config } from '../config';
import type { ModelManifest } from '../model/manifest';
import type { Engine } from '../backend/engine';
import { checkLevel, checkScalePlan, checkThreshold, type ScalePlan, type TunedSetting } from '../model/setting';
import { PLAIN_POLICY, describePolicy, type BoxPolicy } from './policy';
import type { BoxCorrection } from '../model/setting';
import { describeScales } from './scales';
import { DetectorError, type FaceDetector } from './types';

export type DetectConfig = Config['detect'];

/** What a detector may need besides its config section: the registry (for composite detectors), files, an engine. */
export interface DetectorContext {
  registry: DetectorRegistry;
  /** Folder of the detector's weights, when not the installed default. */
  modelDir?: string;
  /** The engine that runs ONNX networks (YuNet). */
  engine?: Engine;
  /** Search photos at two scales (entries with `scales: true` only). */
  scales?: ScalePlan | null;
}

export interface DetectorEntry {
  readonly name: string;
  /** One line for help texts. */
  readonly summary: string;
  /** The detector's own threshold: used when nothing else sets one. */
  ownThreshold(config: DetectConfig): number;
  /** Whether it can search a photo at two scales (src/detection/scales.ts). */
  readonly scales?: boolean;
  /** Load the detector, running at `threshold`. */
  create(config: DetectConfig, threshold: number, ctx: DetectorContext): Promise<FaceDetector>;
}

/** The photo detector when neither the config nor the model names one. */
export const FALLBACK_DETECTOR = 'ssd-mobilenet';

export class DetectorRegistry {
  private readonly entries: Map<string, DetectorEntry>;
  constructor(entries: readonly DetectorEntry[]) {
    this.entries = new Map(entries.map((e) => [e.name, e]));
  }
  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }
  has(name: string): boolean {
    return this.entries.has(name);
  }
  /** The entry of a name; an unknown name throws a `DetectorError` listing the valid ones. */
  get(name: string): DetectorEntry {
    const e = this.entries.get(name);
    if (!e) throw new DetectorError(`unknown detector "${name}" (valid: ${this.names().join(', ')})`);
    return e;
  }
  /** Load detector `name` at `threshold` (default: its own). */
  async create(name: string, config: DetectConfig, threshold?: number, ctx: Omit<DetectorContext, 'registry'> = {}): Promise<FaceDetector> {
    const e = this.get(name);
    const t = threshold ?? e.ownThreshold(config);
    try {
      checkThreshold(t, name);
    } catch (err) {
      throw new DetectorError((err as Error).message);
    }
    if (ctx.scales && !e.scales) throw new DetectorError(`${name} searches a photo at one scale only (two scales: ${this.names().filter((n) => this.entries.get(n)!.scales).join(', ')})`);
    return e.create(config, t, { ...ctx, registry: this });
  }
}

/** What a caller asks for; undefined fields are not asked (the model's tuned setting or the defaults apply). */
export interface SettingsRequest {
  detector?: string;
  threshold?: number;
  rejectAt?: number | null;
  trustAbove?: number | null;
  /** A box correction; null: none (src/detection/boxfit.ts). */
  box?: BoxCorrection | null;
  /** Two scales (src/detection/scales.ts); null: one. */
  scales?: ScalePlan | null;
  /** A correction of boxes found on the enlarged photo; null: `box` for them too. */
  fineBox?: BoxCorrection | null;
}

/** What the pipeline is for: photos may get the model's photo setting, video its one-scale one. */
export type DetectionUse = 'photo' | 'video';

export interface ResolvedSettings {
  detector: string;
  threshold: number;
  policy: BoxPolicy;
  /** The detector's boxes are corrected by this before anything else; null: as the detector draws them. */
  box: BoxCorrection | null;
  /** Two scales, or null: one (src/detection/scales.ts). */
  scales: ScalePlan | null;
  /** The correction of boxes found on the enlarged photo, when learnt apart; null: `box` for every box. */
  fineBox: BoxCorrection | null;
  /** Where each came from. */
  source: { detector: 'asked' | 'config' | 'model' | 'fallback'; threshold: 'asked' | 'model' | 'detector'; policy: 'asked' | 'model' | 'plain'; scales: 'asked' | 'model' | 'none' };
  /** The tuned setting used, if any. */
  tuned?: TunedSetting;
}

/**
 * Decide detector, scales, threshold and box policy for a model (its manifest's classes and
 * `detection`), a request, the config and the use (see the module comment). Values are validated
 * here, once.
 */
export function resolveSettings(registry: DetectorRegistry, manifest: Pick<ModelManifest, 'classes' | 'detection'>, request: SettingsRequest, config: DetectConfig, use: DetectionUse = 'photo'): ResolvedSettings {
  const photo = use === 'photo' ? manifest.detection?.photo : undefined;
  const [detector, dSource] =
    request.detector !== undefined
      ? [request.detector, 'asked' as const]
      : config.detector !== null
        ? [config.detector, 'config' as const]
        : (photo?.detector ?? manifest.detection?.detector) !== undefined
          ? [(photo?.detector ?? manifest.detection?.detector)!, 'model' as const]
          : [FALLBACK_DETECTOR, 'fallback' as const];
  const entry = registry.get(detector);
  const forPhoto = photo && photo.detector === detector ? photo : undefined;
  const tuned: TunedSetting | undefined = forPhoto ?? manifest.detection?.settings[detector];
  const threshold = request.threshold ?? tuned?.threshold ?? entry.ownThreshold(config);
  checkThreshold(threshold, `detector ${detector}`);
  const pick = (k: 'rejectAt' | 'trustAbove'): number | null => (request[k] !== undefined ? request[k]! : tuned ? tuned[k] : PLAIN_POLICY[k]);
  const policy: BoxPolicy = { rejectAt: checkLevel(pick('rejectAt'), 'rejectAt', 'box policy'), trustAbove: checkLevel(pick('trustAbove'), 'trustAbove', 'box policy') };
  const asked = request.rejectAt !== undefined || request.trustAbove !== undefined;
  const scales = request.scales !== undefined ? request.scales : (forPhoto?.scales ?? null);
  if (scales) checkScalePlan(scales, `detector ${detector}`);
  if (scales && !entry.scales) throw new DetectorError(`${detector} searches a photo at one scale only: leave out the second scale (--upscale 1)`);
  return {
    detector,
    threshold,
    policy,
    box: request.box !== undefined ? request.box : (tuned?.box ?? null),
    scales,
    fineBox: !scales ? null : request.fineBox !== undefined ? request.fineBox : request.box !== undefined ? null : (forPhoto?.fineBox ?? null),
    source: {
      detector: dSource,
      threshold: request.threshold !== undefined ? 'asked' : tuned ? 'model' : 'detector',
      policy: asked ? 'asked' : tuned ? 'model' : 'plain',
      scales: request.scales !== undefined ? 'asked' : scales ? 'model' : 'none',
    },
    ...(tuned ? { tuned } : {}),
  };
}

/** "ssd-mobilenet at 0.15 (tuned for this model), boxes dropped when …" — resolved settings in words. */
export function describeSettings(s: ResolvedSettings, classes: readonly string[]): string {
  const from = { asked: 'as asked', model: "the model's tuned setting", detector: "the detector's own" }[s.source.threshold];
  return `${s.detector}${s.scales ? ` at ${describeScales(s.scales)}` : ''} at ${s.threshold} (${from}); ${describePolicy(s.policy, classes)}${s.box ? `; boxes corrected toward the annotators' (${s.box.n} boxes${s.fineBox ? `; those of the enlarged photo by their own, ${s.fineBox.n}` : ''})` : ''}`;
}
