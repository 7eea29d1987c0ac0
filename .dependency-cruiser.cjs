/**
 * The layer order of src/ (README "Layout"), checked by `npm run deps` (dependency-cruiser):
 * a module may import (at run time) only from its own layer or a lower one, never a higher one;
 * no import cycles anywhere, type-only imports included;
 * the browser-safe core imports no Node module, no native package and nothing outside the core;
 * the web page (src/web/page/) imports only the core and its own files; the package's browser entry
 * (src/browser.ts) only those, the config and the YuNet sums.
 */
const LAYERS = [
  ['base', '^src/(labels|result|config|paths)\\.ts$|^src/util/'],
  ['backend', '^src/backend/'],
  ['assets', '^src/assets/'],
  ['charts', '^src/charts/'],
  ['data', '^src/data/'],
  ['synth', '^src/synth/'],
  ['model', '^src/model/'],
  ['detection', '^src/detection/'],
  ['evaluation', '^src/evaluation/'],
  ['training', '^src/training/'],
  ['notebook', '^src/notebook/'],
  ['web', '^src/web/'],
  ['cli', '^src/cli/'],
  ['entries', '^src/(index|browser)\\.ts$'],
];

/** Modules that also run in a browser: they import only each other (and types). */
const CORE = ['src/labels.ts', 'src/result.ts', 'src/model/setting.ts', 'src/model/integrity.ts', 'src/model/crop.ts', 'src/model/resize.ts', 'src/model/calibration.ts', 'src/model/classifier-net.ts', 'src/model/manifest.ts', 'src/model/onnx-classifier.ts', 'src/model/types.ts', 'src/backend/engine.ts', 'src/detection/types.ts', 'src/detection/geometry.ts', 'src/detection/policy.ts', 'src/detection/boxfit.ts', 'src/detection/scales.ts', 'src/detection/registry.ts', 'src/detection/pipeline.ts', 'src/detection/yunet.ts', 'src/detection/landmarks.ts', 'src/detection/tracker.ts', 'src/backend/ort-session.ts'];
const core = `^(${CORE.map((f) => f.replace(/[.]/g, '\\.')).join('|')})$`;

const runtime = { dependencyTypesNot: ['type-only'] };

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle, type-only imports included: two modules that need each other are one concept cut in the wrong place; move the shared piece down.',
      from: {},
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map(([name, re], i) => ({
      name: `layer-${name}`,
      severity: 'error',
      comment: `${name} may import only from its own layer or a lower one (${LAYERS.slice(0, i + 1).map(([n]) => n).join(' < ')})`,
      from: { path: re },
      to: { path: LAYERS.slice(i + 1).map(([, r]) => r).join('|'), ...runtime },
    })),
    {
      name: 'src-not-outside',
      severity: 'error',
      comment: 'src/ is the library: it imports no test, bench or script code.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts|notebooks)/' },
    },
    {
      name: 'core-browser-safe',
      severity: 'error',
      comment: 'The detection core runs in a browser too: no Node module, no native package, nothing outside the core at run time.',
      from: { path: core },
      to: { pathNot: core, ...runtime },
    },
    {
      name: 'browser-entry-browser-safe',
      severity: 'error',
      comment: "The package's browser entry (src/browser.ts, facemask/browser) is bundled for the browser: the core, the page's pipeline, the config (no imports) and the committed YuNet sums (inlined as text).",
      from: { path: '^src/browser\\.ts$' },
      to: { pathNot: `${core}|^src/web/page/|^src/config\\.ts$|^src/assets/sums/yunet\\.sha256$`, ...runtime },
    },
    {
      name: 'web-page-browser-safe',
      severity: 'error',
      comment: 'The page (src/web/page/) is bundled for the browser: it imports only the browser-safe core and its own files at run time.',
      from: { path: '^src/web/page/' },
      to: { pathNot: `${core}|^src/web/page/`, ...runtime },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|notebooks/src)' },
  },
};
