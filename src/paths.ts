/**
 * Every path the project uses, derived from one root. Nothing else in `src/` joins project paths
 * by hand: ask this module. The root is the folder of the package this code belongs to — a clone of
 * the repository (the parent of `src/`, whose modules tsx runs) or the installed package (the parent
 * of `dist/`, whose bundles are built from `src/`): the same place relative to the code either way —
 * or `FACEMASK_ROOT` when set (tests and notebooks may point it elsewhere).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The folder of the package this code belongs to: the repository, or `node_modules/facemask` once
 * installed. Its own files (the shipped model, YuNet's files, `package.json`, the page) are found
 * here whatever `FACEMASK_ROOT` says.
 */
// realpath: notebooks reach src/ through the symlink notebooks/src, whose parent is not the root.
export const PACKAGE_ROOT = path.join(fs.realpathSync(__dirname), '..');

export const PROJECT_ROOT = path.resolve(process.env.FACEMASK_ROOT ?? PACKAGE_ROOT);

export interface ProjectPaths {
  root: string;
  /** Installed datasets: `dataset/<name>/…` (git-ignored). */
  dataset: string;
  /** `dataset/splits.json`, the group-aware split (see docs/contracts.md). */
  splits: string;
  /** `dataset/confusers.tsv`, the committed confuser test set (src/data/confusers.ts). */
  confusers: string;
  /** The OpenCV ResNet-10 SSD face detector files. */
  faceDetector: string;
  /** Models: the promoted default model lives in `models/default/`. */
  models: string;
  /** Pretrained bases installed by `facemask prepare` (git-ignored). */
  pretrained: string;
  /** The promoted default classifier. */
  defaultModel: string;
  /** Training runs: `runs/train/<name>/` (git-ignored). */
  runs: string;
  runsTrain: string;
  /** `facemask evaluate` reports: `runs/evaluate/<model>/`. */
  runsEvaluate: string;
  /** `facemask tune` runs: `runs/tune/<name>/`. */
  runsTune: string;
  /** `facemask calibrate` runs: `runs/calibrate/<name>/`. */
  runsCalibrate: string;
  /** `facemask inspect` report. */
  runsInspect: string;
  /** Derived data that can be rebuilt at any time (feature caches, fingerprints). */
  cache: string;
  /** Cached boxes and probabilities of measurements over the same photos (src/detection/cache.ts). */
  measureCache: string;
  notebooks: string;
  /** Executed copies of the notebooks (git-ignored). */
  executedNotebooks: string;
  /** SHA-256 sums committed with the project, one file per asset. */
  assetSums: string;
  /** Recorded measurements that the README cites and the notebooks show (committed). */
  results: string;
  /** Files used by tests (small, committed). */
  fixtures: string;
}

export function projectPaths(root: string = PROJECT_ROOT): ProjectPaths {
  const r = path.resolve(root);
  return {
    root: r,
    dataset: path.join(r, 'dataset'),
    splits: path.join(r, 'dataset', 'splits.json'),
    confusers: path.join(r, 'dataset', 'confusers.tsv'),
    faceDetector: path.join(r, 'face_detector'),
    models: path.join(r, 'models'),
    pretrained: path.join(r, 'models', 'pretrained'),
    defaultModel: path.join(r, 'models', 'default'),
    runs: path.join(r, 'runs'),
    runsTrain: path.join(r, 'runs', 'train'),
    runsEvaluate: path.join(r, 'runs', 'evaluate'),
    runsTune: path.join(r, 'runs', 'tune'),
    runsCalibrate: path.join(r, 'runs', 'calibrate'),
    runsInspect: path.join(r, 'runs', 'inspect'),
    cache: path.join(r, '.cache'),
    measureCache: path.join(r, '.cache', 'detection'),
    notebooks: path.join(r, 'notebooks'),
    executedNotebooks: path.join(r, 'notebooks', 'executed'),
    assetSums: path.join(r, 'src', 'assets', 'sums'),
    results: path.join(r, 'docs', 'results'),
    fixtures: path.join(r, 'test', 'fixtures'),
  };
}

/** The package's own files, under `PACKAGE_ROOT` (not moved by `FACEMASK_ROOT`). */
export interface PackagePaths {
  root: string;
  /** `package.json`: the version `facemask --version` prints. */
  packageJson: string;
  /** The page of `facemask serve` as sources (a clone: bundled when the server starts). */
  pageSource: string;
  /** The page bundled by `npm run build` (`app.js` + `index.html`): what an installed package serves. */
  pageBuilt: string;
}

export function packagePaths(root: string = PACKAGE_ROOT): PackagePaths {
  const r = path.resolve(root);
  return {
    root: r,
    packageJson: path.join(r, 'package.json'),
    pageSource: path.join(r, 'src', 'web', 'page'),
    pageBuilt: path.join(r, 'dist', 'page'),
  };
}

/** The folder of one installed dataset, e.g. `datasetDir('observations')`. */
export function datasetDir(name: string, p: ProjectPaths = projectPaths()): string {
  return path.join(p.dataset, name);
}

/** The folder of an installed pretrained base, e.g. `pretrainedDir('mobilenet_v2_0.35_224')`. */
export function pretrainedDir(name: string, p: ProjectPaths = projectPaths()): string {
  return path.join(p.pretrained, name);
}

/** BlazeFace's weights ship inside the `@vladmandic/human` npm package (`models/blazeface.json` + `.bin`). */
export function blazeFaceModelDir(): string {
  // the package's exports map hides package.json: resolve its main file (dist/human.node.js) instead
  return path.join(path.dirname(require.resolve('@vladmandic/human')), '..', 'models');
}

/** face-api's weights ship inside its npm package. */
export function faceApiModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}
