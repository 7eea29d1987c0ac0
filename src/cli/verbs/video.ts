/**
 * `facemask video <file or device>`: detect, track, label and draw faces on every frame of a video
 * (or a camera such as /dev/video0) and write the annotated video, and with `--summary` what it
 * showed (faces seen, by label, a timeline, one row per face). ffmpeg (Debian's 5.1 here) does the
 * decoding and encoding through pipes.
 */
import { OVERWRITE_FLAG, UsageError, defineVerb } from '../args';
import { resolveConfig } from '../../config';
import { createFaceMaskDetector } from '../../detection/create';
import type { FaceMaskDetector } from '../../detection/pipeline';
import { processVideo, VideoError, type VideoReport } from '../../detection/video';
import { containerFor, isFacemaskVideo, probeVideo } from '../../detection/ffmpeg';
import { claimOutput, realish } from '../../util/output';
import { TrackLog, summaryLine } from '../../detection/summary';
import { isVideoSummary, summaryIsFile, writeVideoSummary } from '../../detection/summary-files';
import { interruption } from '../../util/interrupt';
import { projectPaths } from '../../paths';
import { detectionFlags, settingsRequest, noteUnusedFlags } from './detection-flags';

/** The run in words on stderr, and the exit status: 130 when interrupted, 1 when the input broke off, else 0. */
function summariseRun(report: VideoReport, detection: string): number {
  const output = report.output;
  for (const n of report.notes) console.error(`note: ${n}`);
  const per = (x: number) => (x / Math.max(1, report.framesRead)).toFixed(1);
  console.error(
    `${report.framesWritten || report.framesRead} frames ${report.width}x${report.height} in ${report.seconds.toFixed(1)} s: ${report.fps.toFixed(1)} fps ` +
      `(detector ${detection}; ms/frame detect ${per(report.ms.detect)}, classify ${per(report.ms.classify)}, draw ${per(report.ms.draw)}, write ${per(report.ms.write)}; ${report.tracks} tracks)`,
  );
  if (output) console.error(`written: ${output}`);
  if (interruption.signal.aborted) {
    console.error(`facemask video: interrupted after ${report.framesRead} frames${output ? `; ${output} is finalised and plays` : ''}`);
    return interruption.exitCode;
  }
  if (report.error) {
    console.error(`facemask video: ${report.error}${output ? `; the ${report.framesWritten} frames before it are in ${output}` : ''}`);
    return 1;
  }
  return 0;
}

/**
 * Claim the places the verb writes (docs/contracts.md "Outputs"), before any work: the annotated
 * video and the summary, never an input, never each other. Throws `VideoError` or `OutputRefused`.
 */
function claimVideoOutputs(input: string, model: string, output: string | undefined, summary: string | undefined, overwrite: boolean): void {
  if (output) containerFor(output);
  probeVideo(input); // fail fast, before loading models
  if (output && summary && realish(output) === realish(summary)) throw new UsageError('--output and --summary name the same place: give each its own');
  if (output) claimOutput({ verb: 'video', flag: '--output', target: output, kind: 'file', inputs: [input, model], overwrite, recognise: isFacemaskVideo, what: 'the annotated video' });
  if (summary) {
    const file = summaryIsFile(summary);
    claimOutput({ verb: 'video', flag: '--summary', target: summary, kind: file ? 'file' : 'folder', inputs: [input, model, ...(output ? [output] : [])], overwrite, create: false, recognise: file ? isVideoSummary : undefined, what: file ? 'the summary (a .json file)' : 'the summary folder' });
  }
}

/** Write the summary of what was seen (also after Ctrl-C) and say it in one line. */
async function writeSummary(target: string, log: TrackLog, report: VideoReport, minFrames: number): Promise<void> {
  const s = log.summary({ input: report.input, fps: report.sourceFps, minFrames, complete: !report.stopped && !report.error });
  for (const n of await writeVideoSummary(target, s)) console.error(`note: ${n}`);
  console.error(`${summaryLine(s)}; summary: ${target}`);
}

export const videoVerb = defineVerb({
  name: 'video',
  summary: 'detect, track and label faces in a video file or camera and write the annotated video',
  positional: { name: '<file or device>', min: 1, max: 1 },
  flags: {
    output: { type: 'string', value: 'FILE', help: 'annotated video to write (.mp4, .mov or .mkv); without it frames are processed and only the speed is reported' },
    summary: { type: 'string', value: 'FILE_OR_DIR', help: 'what the video showed: faces seen (tracks), how many with, without and worn incorrectly, when each was seen; a .json file, or a folder with summary.json, tracks.csv and the timeline chart (timeline.png, timeline.html)' },
    ...detectionFlags(),
    'detect-every': { type: 'integer', value: 'N', help: `run the detector every Nth frame, track in between (default: ${resolveConfig().video.detectEvery})` },
    frames: { type: 'integer', value: 'N', help: 'stop after N frames (a camera runs until Ctrl-C otherwise)' },
    overwrite: OVERWRITE_FLAG,
  },
  graceful: true,
  examples: [
    { cmd: 'facemask video clip.mp4 --output annotated.mp4', note: 'annotate a video file' },
    { cmd: 'facemask video /dev/video0 --output cam.mp4', note: 'the camera, until Ctrl-C (the file is finalised)' },
    { cmd: 'facemask video clip.mp4 --output out.mp4 --detector res10 --detect-every 1', note: 'the original detector on every frame (slow)' },
    { cmd: 'facemask video clip.mp4', note: 'measure frames per second without writing' },
    { cmd: 'facemask video door.mp4 --summary door-report/', note: 'how many faces came by, with or without a mask: summary.json, tracks.csv, timeline.png/.html' },
    { cmd: 'facemask video /dev/video0 --output cam.mp4 --summary cam.json', note: 'the camera until Ctrl-C: the video and the summary of what was seen' },
    { cmd: 'facemask video clip.mp4 --output out.mp4 --not-face 0.5', note: 'reject fewer boxes as not a face' },
  ],
  async run(args) {
    const cfg = resolveConfig();
    const input = args.positional[0];
    const output = args.flags.output;
    const detectEvery = (args.flags['detect-every']) ?? cfg.video.detectEvery;
    const maxFrames = args.flags.frames;
    const request = settingsRequest(args.flags, cfg.detect.scales);
    if (detectEvery < 1) throw new UsageError('--detect-every must be at least 1');
    if (maxFrames !== undefined && maxFrames < 1) throw new UsageError('--frames must be at least 1');
    const summary = args.flags.summary;
    try {
      claimVideoOutputs(input, args.flags.model ?? projectPaths().defaultModel, output, summary, Boolean(args.flags.overwrite));
    } catch (e) {
      if (e instanceof VideoError) {
        console.error(`facemask video: ${e.message}`);
        return 2;
      }
      throw e;
    }
    let pipeline: FaceMaskDetector;
    try {
      pipeline = await createFaceMaskDetector(cfg, { ...request, model: args.flags.model, use: 'video' });
    } catch (e) {
      console.error(`facemask video: ${(e as Error).message}`);
      return 2;
    }
    noteUnusedFlags('video', pipeline.classes, args.flags);
    console.error(`facemask video: ${pipeline.describe()}`);
    const onStop = () => process.stderr.write(`\nstopping: finishing ${output ?? 'the frame in progress'} (Ctrl-C again stops at once${output ? ' and loses it' : ''})…\n`);
    interruption.signal.addEventListener('abort', onStop, { once: true });
    const tty = process.stderr.isTTY;
    const log = new TrackLog();
    try {
      const report = await processVideo({
        input,
        output,
        pipeline,
        detectEvery,
        smoothing: cfg.video.smoothing,
        trackIou: cfg.video.trackIou,
        maxMissed: cfg.video.maxMissed,
        reuse: cfg.video.reuse,
        overlap: cfg.video.overlap,
        maxFrames,
        signal: interruption.signal,
        onFrame: summary ? (f) => log.add(f) : undefined,
        onProgress: (p) => {
          const line = `frame ${p.frames}${p.total ? `/${p.total}` : ''}  ${p.fps.toFixed(1)} fps  ${p.seconds.toFixed(0)} s`;
          process.stderr.write(tty ? `\r\x1b[2K${line}` : line + '\n');
        },
      });
      if (tty) process.stderr.write('\r\x1b[2K');
      const status = summariseRun(report, `${pipeline.settings.detector} every ${detectEvery} frame(s)`);
      if (summary) await writeSummary(summary, log, report, cfg.video.summaryMinFrames);
      return status;
    } catch (e) {
      if (e instanceof VideoError) {
        console.error(`facemask video: ${e.message}`);
        return interruption.signal.aborted ? interruption.exitCode : 2;
      }
      throw e;
    } finally {
      interruption.signal.removeEventListener('abort', onStop);
      pipeline.dispose();
    }
  },
});
