/** `facemask prepare`: install and verify datasets and weights. */
import { defineVerb } from '../args';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { projectPaths } from '../../paths';
import { readManifest, sealModelFolder } from '../../model/manifest-files';
import { exportModelOnnx } from '../../model/onnx/export';
import { ONNX_FILE } from '../../model/io';
import { ASSET_NAMES, findAsset, prepareAssets, PrepareError, type AssetOutcome } from '../../assets';
import { resolveConfig } from '../../config';
import { inspectDatasets, defaultInspectDatasets } from '../../data/inspect';
import { LATER_SPLIT_DATASETS, readSplitFile, writeSplitFile } from '../../data/split';

function line(o: AssetOutcome): string {
  const mb = (o.bytes / 1e6).toFixed(1);
  const needed = `    needed for: ${findAsset(o.name).neededFor}`;
  switch (o.status) {
    case 'verified':
      return `✓ ${o.name}: ${o.files} files already installed and verified (${mb} MB) in ${o.target}`;
    case 'installed':
      return `✓ ${o.name}: installed ${o.fetched} files, ${o.verified} already there, all ${o.files} verified (${mb} MB) in ${o.target}`;
    case 'manual':
      return `✗ ${o.name}: cannot be downloaded automatically. ${o.message}\n${needed}`;
    case 'failed': {
      const shown = o.errors.slice(0, 5).map((e) => `    ${e.file}: ${e.error}`);
      const more = o.errors.length > 5 ? [`    … and ${o.errors.length - 5} more`] : [];
      return [`✗ ${o.name}: ${o.message ?? `${o.errors.length} of ${o.files} files failed (nothing half-written was kept; run again to retry)`}`, ...shown, ...more, needed].join('\n');
    }
  }
}

/** After the assets: which are missing, and that the shipped model's detection needs none of them but YuNet (committed). */
export function missingSummary(outcomes: readonly AssetOutcome[]): string | null {
  const missing = outcomes.filter((o) => o.status === 'manual' || o.status === 'failed').map((o) => o.name);
  if (missing.length === 0) return null;
  const detection = missing.includes('yunet') ? 'YuNet is missing too: restore face_detector/yunet/ (git checkout -- face_detector/yunet) or run prepare again' : 'classify, detect, video and serve with the shipped model (models/default) need none of them: they run now';
  return `${missing.length} asset${missing.length === 1 ? '' : 's'} not installed (${missing.join(', ')}): each line above says what needs it and how to get it; ${detection}`;
}

export const prepareVerb = defineVerb({
  name: 'prepare',
  summary: 'install and verify the datasets and weights (from a mirror, an HTTP mirror, or upstream)',
  flags: {
    mirror: { type: 'string', value: 'DIR', help: 'copy from a local folder laid out like shared/ (datasets/…, models/…)' },
    upstream: { type: 'string', value: 'URL', help: 'download from an HTTP server laid out like shared/ instead of the public sources' },
    only: { type: 'list', value: 'NAME', help: 'install only these assets', choices: ASSET_NAMES },
  },
  examples: [
    { cmd: 'facemask prepare --mirror ../shared', note: 'install everything from the team mirror (as CI does)' },
    { cmd: 'facemask prepare', note: 'download what has a public source; says what to do for the rest' },
    { cmd: 'facemask prepare --only observations face_detector', note: 'just the tutorial dataset and detector' },
    { cmd: 'facemask prepare --upstream http://127.0.0.1:8000', note: 'from an HTTP mirror laid out like shared/' },
  ],
  async run(args) {
    let outcomes: AssetOutcome[];
    try {
      outcomes = await prepareAssets({
        mirror: args.flags.mirror,
        upstreamUrl: args.flags.upstream,
        only: args.flags.only,
      });
    } catch (e) {
      if (e instanceof PrepareError) {
        console.error(`facemask prepare: ${e.message}`);
        return 2;
      }
      throw e;
    }
    for (const o of outcomes) console.log(line(o));
    await deriveShippedOnnx();
    const summary = missingSummary(outcomes);
    if (summary) console.log(summary);
    if (!args.flags.only) await recordSplitsIfMissing();
    const ok = outcomes.filter((o) => o.status === 'verified' || o.status === 'installed').length;
    if (ok === outcomes.length) return 0;
    return ok === 0 && outcomes.every((o) => o.fetched === 0) ? 2 : 1;
  },
});

/**
 * `dataset/splits.json` when there is none yet: the split `facemask inspect` writes (the same inputs
 * and seed give the same bytes), so training and evaluation work right after the README's two
 * commands. Only after a whole prepare (not `--only`); an existing file is left alone (`facemask
 * inspect` rewrites it; a note says so when an installed dataset is not in it yet); a failure says
 * what to run.
 */
async function recordSplitsIfMissing(): Promise<void> {
  const file = projectPaths().splits;
  const datasets = defaultInspectDatasets();
  if (fs.existsSync(file)) return noteUnsplit(file, datasets);
  try {
    const config = resolveConfig();
    const report = await inspectDatasets({ config, datasets, seed: config.split.seed, progress: true });
    if (!report.split) throw new Error('no labelled dataset installed');
    writeSplitFile(file, report.split);
    console.log(`✓ ${path.relative(process.cwd(), file) || file}: the group-aware split of ${datasets.join(', ')} recorded (as facemask inspect writes it)`);
  } catch (e) {
    console.log(`✗ dataset/splits.json: not recorded (${(e as Error).message}); run "facemask inspect" once the datasets are installed`);
  }
}

/**
 * The shipped models' `model.onnx`, checked against the SHA-256 their manifests record — models/default's
 * is committed (verified, never overwritten), another's is derived from its weights and the installed
 * base when absent; and their integrity records, verified (or written for a model made before them).
 */
async function deriveShippedOnnx(): Promise<void> {
  const models = projectPaths().models;
  for (const name of fs.readdirSync(models).sort()) {
    const dir = path.join(models, name);
    if (!fs.existsSync(path.join(dir, 'manifest.json'))) continue;
    try {
      // a model made before integrity records gets one (its files as they are); a sealed one is verified
      if (sealModelFolder(dir)) console.log(`✓ models/${name}/manifest.json: integrity recorded (what the model means, checked at every load)`);
      const fresh = !fs.existsSync(path.join(dir, ONNX_FILE));
      const sha = await exportModelOnnx(dir);
      console.log(`✓ models/${name}/${ONNX_FILE}: ${fresh ? 'exported from its weights' : 'present'}, SHA-256 ${sha.slice(0, 12)}… as its manifest records`);
    } catch (e) {
      const base = readManifest(dir).base.name;
      const needs = fs.existsSync(path.join(dir, ONNX_FILE)) ? '' : `; its ${ONNX_FILE} is derived from the ImageNet base (${base}, a mirror asset): until it is installed, --model models/${name} cannot run (detect, video, serve, classify, evaluate)`;
      console.log(`✗ models/${name}: ${(e as Error).message}${needs}`);
    }
  }
}

/** A note when the recorded split lacks a dataset that is installed and split later (everyday-unmasked). */
function noteUnsplit(file: string, installed: string[]): void {
  let recorded: string[];
  try {
    recorded = readSplitFile(file).datasets;
  } catch {
    return; // training and inspect say what is wrong with it
  }
  const missing = LATER_SPLIT_DATASETS.filter((d) => installed.includes(d) && !recorded.includes(d));
  if (missing.length) console.log(`note: ${path.relative(process.cwd(), file) || file} does not split ${missing.join(', ')} yet: run "npx facemask inspect" to add ${missing.length > 1 ? 'them' : 'it'} (the images already recorded keep their side)`);
}
