/**
 * `facemask inspect`: load the datasets, report counts and unreadable files, find near-duplicates
 * and groups, write the group-aware split (`dataset/splits.json`) and a report folder of tables,
 * charts and image grids.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { OVERWRITE_FLAG, UsageError, defineVerb } from '../args';
import { DATASETS } from '../../data/load';
import { inspectDatasets, defaultInspectDatasets, type InspectionReport } from '../../data/inspect';
import { isSplitFile, writeSplitFile } from '../../data/split';
import { countsTable, findingsTable, splitTable, ilc2021SplitTable, failuresTable, writeInspectionReport } from '../../data/report';
import { tableText } from '../../charts/index';
import { projectPaths } from '../../paths';
import { resolveConfig } from '../../config';
import { writeDirAtomic } from '../../util/atomic';
import { freshRunDir } from '../../util/runs';
import { claimOutput, markOutput, OutputRefused } from '../../util/output';

export const inspectVerb = defineVerb({
  name: 'inspect',
  summary: 'inspect the datasets, group near-duplicates and write the group-aware split (dataset/splits.json)',
  flags: {
    datasets: { type: 'list', value: 'NAME', help: 'datasets to inspect (default: observations chandrikadeb7 kaggle-face-mask-dev, and ilc2021 and everyday-unmasked when installed); the split covers the labelled ones, ilc2021 by photo under its own rule, everyday-unmasked after the others without moving them', choices: DATASETS },
    seed: { type: 'integer', value: 'N', help: 'seed of the split (default: 42)' },
    output: { type: 'string', value: 'DIR', help: 'report folder: tables, charts, image grids (default: a new runs/inspect/report, report-2, …)' },
    'split-file': { type: 'string', value: 'FILE', help: 'where to write the split (default: dataset/splits.json, rewritten; in small-data mode DIR/splits.json)' },
    'no-split': { type: 'boolean', help: 'do not write a split file' },
    overwrite: OVERWRITE_FLAG,
  },
  examples: [
    { cmd: 'facemask inspect', note: 'every installed dataset; writes dataset/splits.json (with ilc2021\'s split by photo) and a report in runs/inspect/' },
    { cmd: 'facemask inspect --datasets observations --seed 1 --split-file obs1.json', note: 'observations alone, seed 1' },
    { cmd: 'FACEMASK_SMALL=1 facemask inspect --output small', note: 'a quick look at a subset' },
  ],
  async run(args) {
    const cfg = resolveConfig();
    const datasets = (args.flags.datasets) ?? defaultInspectDatasets();
    const seed = (args.flags.seed) ?? cfg.split.seed;
    if (new Set(datasets).size !== datasets.length) throw new UsageError(`--datasets: a dataset is named twice (${datasets.join(' ')})`);
    // the report's and the split's places, checked before any work (src/util/output.ts)
    const given = args.flags.output;
    const overwrite = Boolean(args.flags.overwrite);
    const inputs = [projectPaths().dataset];
    if (given) claimOutput({ verb: 'inspect', flag: '--output', target: given, kind: 'folder', inputs, overwrite, what: 'the inspection report', create: false });
    const splitGiven = args.flags['split-file'];
    const writeSplit = !args.flags['no-split'];
    if (splitGiven && writeSplit) claimOutput({ verb: 'inspect', flag: '--split-file', target: splitGiven, kind: 'file', inputs: [], overwrite, recognise: isSplitFile, what: 'the split' });
    const shared = projectPaths().splits;
    if (!splitGiven && !cfg.small && writeSplit && fs.existsSync(shared) && !isSplitFile(shared)) throw new OutputRefused(`${shared} exists and is not a split file facemask wrote: it is left as it is; move it away, or write the split elsewhere with --split-file FILE`);

    let report: InspectionReport;
    try {
      report = await inspectDatasets({ config: cfg, datasets, seed, progress: true });
    } catch (e) {
      console.error(`facemask inspect: ${(e as Error).message}`);
      return 2;
    }
    const t = report.timings;
    console.log(`loaded ${report.records.length} images, ${report.failures.length} not usable (${t.loadSeconds.toFixed(1)} s, ${t.cached} from the fingerprint cache, ${t.decoded} decoded)`);
    console.log('\n' + tableText(countsTable(report), { title: 'images per dataset and label' }));
    console.log('\n' + tableText(findingsTable(report), { title: 'near-duplicates and groups', maxRows: 100 }));
    if (report.failures.length) console.log('\n' + tableText(failuresTable(report), { title: 'files that could not be used', maxRows: 100 }));
    // the report first (a new run folder unless --output), then the split (in small-data mode inside it)
    const out = given ? path.resolve(given) : freshRunDir(projectPaths().runsInspect, 'report');
    await writeDirAtomic(out, async (tmp) => {
      await writeInspectionReport(report, tmp, seed);
      markOutput(tmp, 'inspect');
    });
    const splitFile = path.resolve(splitGiven ?? (cfg.small ? path.join(out, 'splits.json') : shared));
    if (report.split && writeSplit) {
      writeSplitFile(splitFile, report.split);
      console.log('\n' + tableText(splitTable(report), { title: `split (seed ${seed}) written to ${splitFile}` }));
      if (report.ilc2021) console.log('\n' + tableText(ilc2021SplitTable(report), { title: `ilc2021 split by photo group (seed ${seed}, 60/20/20), in the same file under "ilc2021"` }));
    } else if (!report.split) {
      console.log('\nno labelled dataset among --datasets: no split written');
    }
    console.log(`\nreport: ${out}`);
    console.log(`timings: load ${t.loadSeconds.toFixed(1)} s, pairs ${t.pairsSeconds.toFixed(2)} s, groups ${t.groupSeconds.toFixed(3)} s, split ${t.splitSeconds.toFixed(3)} s`);
    return report.failures.length ? 1 : 0;
  },
});
