/**
 * Writing a video's summary (`facemask video --summary PATH`, docs/contracts.md "Video summary"):
 * `PATH` ending in `.json` is one file, the summary (its tracks included); anything else is a folder
 * holding `summary.json`, `tracks.csv` (one row per track), `timeline.png` and `timeline.html` (the
 * interactive chart). Both are written atomically: the file under a temporary name then renamed,
 * the folder built under a temporary name and renamed into place (marked as `facemask video`'s).
 * The chart needs the chart packages (vega, vega-lite), which an installed package may lack: the
 * folder then holds the rest, and the notes say what to install.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic';
import { markOutput } from '../util/output';
import { tracksCsv, type VideoSummary } from './summary';

/** The files of a summary folder. */
export const SUMMARY_FILES = { json: 'summary.json', csv: 'tracks.csv', png: 'timeline.png', html: 'timeline.html' } as const;

/** Whether `--summary PATH` names a single JSON file (else a folder). */
export function summaryIsFile(target: string): boolean {
  return path.extname(target).toLowerCase() === '.json';
}

/** Whether `file` is a summary `facemask video` wrote (JSON with `"kind": "video-summary"`): what `--overwrite` may replace. */
export function isVideoSummary(file: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { kind?: unknown }).kind === 'video-summary';
  } catch {
    return false;
  }
}

const json = (s: VideoSummary) => JSON.stringify(s, null, 1) + '\n';

/**
 * Write `summary` to `target` (a `.json` file, or a folder), atomically, replacing what is there
 * (the caller has claimed the place: src/util/output.ts). Returns notes (a chart that could not be drawn).
 */
export async function writeVideoSummary(target: string, summary: VideoSummary): Promise<string[]> {
  if (summaryIsFile(target)) {
    writeFileAtomic(target, json(summary));
    return [];
  }
  const notes: string[] = [];
  await writeDirAtomic(target, async (dir) => {
    markOutput(dir, 'video');
    fs.writeFileSync(path.join(dir, SUMMARY_FILES.json), json(summary));
    fs.writeFileSync(path.join(dir, SUMMARY_FILES.csv), tracksCsv(summary));
    let charts: typeof import('../charts/timeline');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the chart packages are loaded only here: video runs without them
      charts = require('../charts/timeline') as typeof import('../charts/timeline');
    } catch (e) {
      notes.push(`no timeline chart: the chart packages are not installed (${(e as Error).message.split('\n')[0]}); npm install vega vega-lite vega-embed`);
      return;
    }
    const fig = charts.timelineChart(summary.segments, { title: `Faces in ${path.basename(summary.input)}`, seconds: summary.seconds, width: 640 });
    fs.writeFileSync(path.join(dir, SUMMARY_FILES.png), await fig.png());
    await fig.save(path.join(dir, SUMMARY_FILES.html));
  });
  return notes;
}
