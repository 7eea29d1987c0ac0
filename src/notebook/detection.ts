/**
 * Helpers for notebook 05 (detection in images and video): each returns plain data or pictures that
 * one cell shows, so the notebook stays one call per cell. Every measurement runs the pipeline
 * (src/detection/pipeline.ts) exactly as `facemask detect` does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig, type Config } from '../config';
import type { DetectResult, ErrorResult } from '../result';
import { isError, summarise } from '../result';
import type { GridItem } from '../charts/index';
import { kaggleScenes } from '../data/kaggle';
import type { FaceMaskDetector } from '../detection/pipeline';
import { detectFile } from '../detection/run';
import { drawFaces } from '../detection/draw';
import { makeClip, videoFrames, demoPhoto } from '../detection/clips';
import { processVideo, type VideoReport } from '../detection/video';
import { TrackLog, type VideoSummary } from '../detection/summary';
import { measurePipeline, summaryRow } from '../evaluation/scenes';

export { demoPhoto };

/** One row per pipeline: detector, threshold, policy and where they came from. */
export function pipelineRows(pipelines: Record<string, FaceMaskDetector>) {
  return Object.entries(pipelines).map(([use, p]) => ({
    use,
    detector: p.settings.detector,
    threshold: p.settings.threshold,
    'threshold from': p.settings.source.threshold,
    'not_face >=': p.settings.policy.rejectAt ?? 'off',
    'trusted >=': p.settings.policy.trustAbove ?? 'off',
    classes: p.classes.join(', '),
  }));
}

/** Detect, classify and draw each file; results plus annotated pictures for a grid. */
export async function annotatedSamples(files: string[], pipeline: FaceMaskDetector) {
  const results: (DetectResult | ErrorResult)[] = [];
  const items: GridItem[] = [];
  for (const f of files) {
    const { result, image } = await detectFile(f, pipeline);
    results.push(result);
    if (image && !isError(result)) {
      await drawFaces(image, result.faces);
      items.push({ image, caption: `${path.basename(f)}: ${summarise(result)}` });
    }
  }
  return { results, items };
}

/** One table row per detected photo. */
export function resultRows(results: (DetectResult | ErrorResult)[]) {
  return results.map((r) =>
    isError(r)
      ? { file: path.basename(r.file), faces: NaN, labels: r.error, 'detect ms': NaN, 'classify ms': NaN }
      : { file: path.basename(r.file), faces: r.faces.length, labels: summarise(r), 'detect ms': +r.ms.detect.toFixed(0), 'classify ms': +r.ms.classify.toFixed(0) },
  );
}

/**
 * Generate a panning clip from a demo photo, run the video pipeline on it, and read back frames; with
 * what `facemask video --summary` writes for it (faces as tracks, each under the label it held longest).
 */
export async function videoDemo(opts: { frames: number; pipeline: FaceMaskDetector; video: Config['video']; show?: number[] }): Promise<{ report: VideoReport; frames: GridItem[]; file: string; summary: VideoSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facemask-nb05-'));
  const clip = path.join(dir, 'clip.mp4');
  makeClip(demoPhoto(1), clip, { frames: opts.frames, scaleTo: 720 });
  const out = path.join(dir, 'annotated.mp4');
  const log = new TrackLog();
  const report = await processVideo({ ...opts.video, input: clip, output: out, pipeline: opts.pipeline, onFrame: (f) => log.add(f) });
  const show = opts.show ?? [0, Math.floor(opts.frames / 2), opts.frames - 1];
  const frames = videoFrames(out, show, report.width, report.height).map((image, i) => ({ image, caption: `frame ${show[i]}` }));
  const summary = log.summary({ input: clip, fps: report.sourceFps, minFrames: opts.video.summaryMinFrames, complete: !report.stopped && !report.error });
  return { report, frames, file: out, summary };
}

/** The summary's counted faces as table rows (the CSV's columns). */
export function summaryRows(s: VideoSummary) {
  return s.tracks.filter((t) => t.counted).map((t) => ({ face: t.id, 'first seen s': t.firstSeen, 'last seen s': t.lastSeen, frames: t.frames, label: t.label, 'share of its frames': t.share, confidence: t.meanScore }));
}

/** Milliseconds per stage: photos (median of the results) and video frames (from the report). */
export function speedRows(photos: (DetectResult | ErrorResult)[], photo: FaceMaskDetector, r: VideoReport, video: FaceMaskDetector, detectEvery: number) {
  const ok = photos.filter((x): x is DetectResult => !isError(x));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const perFrame = (ms: number) => +(ms / Math.max(1, r.framesRead)).toFixed(1);
  return [
    { stage: `photo: detect (${photo.settings.detector})`, ms: +median(ok.map((x) => x.ms.detect)).toFixed(1) },
    { stage: 'photo: classify all faces', ms: +median(ok.map((x) => x.ms.classify)).toFixed(1) },
    { stage: 'photo: decode', ms: +median(ok.map((x) => x.ms.decode)).toFixed(1) },
    { stage: `video frame: detect (${video.settings.detector}, every ${detectEvery})`, ms: perFrame(r.ms.detect) },
    { stage: 'video frame: classify', ms: perFrame(r.ms.classify) },
    { stage: 'video frame: draw', ms: perFrame(r.ms.draw) },
    { stage: 'video frame: write to the encoder', ms: perFrame(r.ms.write) },
    { stage: 'video: frames per second', ms: +r.fps.toFixed(1) },
  ];
}

/**
 * Detection on the Kaggle test photos (the first `limit`, all when undefined), each pipeline run as
 * `facemask detect` runs it, measured by the contracts' rule: one row per pipeline.
 */
export async function sceneRows(pipelines: Record<string, FaceMaskDetector>, opts: { limit?: number; rules?: Config["faces"] } = {}) {
  const scenes = kaggleScenes('test', { limit: opts.limit });
  const rows = [];
  for (const [name, p] of Object.entries(pipelines)) rows.push(summaryRow(await measurePipeline(p, scenes, { quiet: true, rules: opts.rules ?? resolveConfig().faces }), { pipeline: name, detector: `${p.settings.detector}@${p.settings.threshold}`, photos: `${scenes[0].photo}–${scenes[scenes.length - 1].photo}` }));
  return rows;
}

/** A few Kaggle test-part photos (paths). */
export function kaggleTestPhotos(n: number): string[] {
  return kaggleScenes('test', { limit: n }).map((s) => s.file);
}
