/**
 * `facemask inspect`: load the datasets, report counts and unreadable files, find near-duplicates
 * and groups, write the group-aware split (`dataset/splits.json`) and a report folder of tables,
 * charts and image grids.
 */
import * as path from 'node:path';
import type { VerbSpec } from '../args';
import { UsageError } from '../args';
import { DATASETS } from '../../data/load';
import { inspectDatasets, defaultInspectDatasets, type InspectionReport } from '../../data/inspect';
import { writeSplitFile } from '../../data/split';
import { countsTable, findingsTable, splitTable, ilc2021SplitTable, failuresTable, writeInspectionReport } from '../../data/report';
import { tableText } from '../../charts/index';
import { projectPaths } from '../../paths';
import { resolveConfig } from '../../config';
import { writeDirAtomic } from '../../util/atomic';

export const inspectVerb: VerbSpec = {
  name: 'inspect',
  summary: 'inspect the datasets, group near-duplicates and write the group-aware split (dataset/splits.json)',
  flags: {
    datasets: { type: 'list', value: 'NAME', help: 'datasets to inspect (default: observations chandrikadeb7 kaggle-face-mask-dev, and ilc2021 when installed); the split covers the labelled ones, ilc2021 by photo under its own rule', choices: DATASETS },
    seed: { type: 'integer', value: 'N', help: 'seed of the split (default: 42)' },
    output: { type: 'string', value: 'DIR', help: 'report folder: tables, charts, image grids (default: runs/inspect)' },
    'split-file': { type: 'string', value: 'FILE', help: 'where to write the split (default: dataset/splits.json; in small-data mode DIR/splits.json)' },
    'no-split': { type: 'boolean', help: 'do not write a split file' },
  },
  examples: [
    { cmd: 'facemask inspect', note: 'every installed dataset; writes dataset/splits.json (with ilc2021\'s split by photo) and runs/inspect/' },
    { cmd: 'facemask inspect --datasets observations --seed 1 --split-file obs1.json', note: 'observations alone, seed 1' },
    { cmd: 'FACEMASK_SMALL=1 facemask inspect --output small', note: 'a quick look at a subset' },
  ],
  async run(args) {
    const cfg = resolveConfig();
    const datasets = (args.flags.datasets as string[] | undefined) ?? defaultInspectDatasets();
    const seed = (args.flags.seed as number | undefined) ?? cfg.split.seed;
    const out = path.resolve((args.flags.output as string | undefined) ?? projectPaths().runsInspect);
    const splitFile = path.resolve((args.flags['split-file'] as string | undefined) ?? (cfg.small ? path.join(out, 'splits.json') : projectPaths().splits));
    if (new Set(datasets).size !== datasets.length) throw new UsageError(`--datasets: a dataset is named twice (${datasets.join(' ')})`);

    let report: InspectionReport;
    try {
      report = await inspectDatasets({ datasets, seed, progress: true });
    } catch (e) {
      console.error(`facemask inspect: ${(e as Error).message}`);
      return 2;
    }
    const t = report.timings;
    console.log(`loaded ${report.records.length} images, ${report.failures.length} not usable (${t.loadSeconds.toFixed(1)} s, ${t.cached} from the fingerprint cache, ${t.decoded} decoded)`);
    console.log('\n' + tableText(countsTable(report), { title: 'images per dataset and label' }));
    console.log('\n' + tableText(findingsTable(report), { title: 'near-duplicates and groups', maxRows: 100 }));
    if (report.failures.length) console.log('\n' + tableText(failuresTable(report), { title: 'files that could not be used', maxRows: 100 }));
    if (report.split && !args.flags['no-split']) {
      writeSplitFile(splitFile, report.split);
      console.log('\n' + tableText(splitTable(report), { title: `split (seed ${seed}) written to ${splitFile}` }));
      if (report.ilc2021) console.log('\n' + tableText(ilc2021SplitTable(report), { title: `ilc2021 split by photo group (seed ${seed}, 60/20/20), in the same file under "ilc2021"` }));
    } else if (!report.split) {
      console.log('\nno labelled dataset among --datasets: no split written');
    }
    await writeDirAtomic(out, async (tmp) => {
      await writeInspectionReport(report, tmp, seed);
    });
    console.log(`\nreport: ${out}`);
    console.log(`timings: load ${t.loadSeconds.toFixed(1)} s, pairs ${t.pairsSeconds.toFixed(2)} s, groups ${t.groupSeconds.toFixed(3)} s, split ${t.splitSeconds.toFixed(3)} s`);
    return report.failures.length ? 1 : 0;
  },
};
