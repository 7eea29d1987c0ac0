/**
 * The package's build (`npm run build`, scripts/build.ts): tsup bundles src/ with esbuild and writes
 * the declarations — the Node library and the installed command as CommonJS, the browser entry as
 * ESM — into dist/. Packages stay external (the installer provides them). The Node bundles keep
 * `__dirname` and `require` as in the sources: src/paths.ts finds the package's own files from
 * `__dirname` (dist/ sits where src/ does), and the optional runtimes are required only when used.
 */
import { defineConfig, type Options } from 'tsup';

const node: Options = {
  platform: 'node',
  target: 'node20',
  skipNodeModulesBundle: true,
  sourcemap: false,
  splitting: false,
  treeshake: false,
};

export default defineConfig([
  {
    // the Node library. Its ESM entry (dist/index.mjs, written by scripts/build.ts) re-exports this
    // CommonJS build rather than being a second bundle: an ESM bundle must hoist every import to the
    // top, so the optional runtimes (tfjs, face-api, opencv-wasm) would be required at load
    ...node,
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    dts: true,
    outExtension: () => ({ js: '.cjs' }),
  },
  {
    // video's detector thread (src/detection/threaded.ts): its own bundle, started by the library and the command
    ...node,
    entry: { cli: 'src/cli/installed.ts', 'detector-thread': 'src/detection/detector-thread.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
  },
  {
    entry: { browser: 'src/browser.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2020',
    dts: true,
    splitting: false,
    sourcemap: false,
    loader: { '.sha256': 'text' },
    outExtension: () => ({ js: '.mjs', dts: '.d.mts' }),
  },
]);
