/**
 * The one place that chooses the TensorFlow.js backend. Everything in the project — our models and
 * face-api alike — uses the `@tensorflow/tfjs` instance exported here.
 *
 * Order: `FACEMASK_BACKEND` (`node` | `wasm` | `cpu`) when set; otherwise `@tensorflow/tfjs-node`
 * when it is installed and loads (an optional peer dependency: its install downloads libtensorflow,
 * which fails on machines without that network access), else `@tensorflow/tfjs-backend-wasm`
 * with the gradient kernels it lacks (`registerWasmGradients`, src/backend/wasm-grad.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from './wasm-grad';

export { tf };
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let ready: Promise<BackendName> | undefined;

function tryLoadNode(): boolean {
  try {
    // tfjs-node registers the 'tensorflow' backend into the shared tfjs-core when it loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional dependency, tried at run time
    require('@tensorflow/tfjs-node');
    return tf.findBackendFactory('tensorflow') !== null;
  } catch {
    return false;
  }
}

async function choose(pref: string | undefined): Promise<BackendName> {
  if (pref && !['node', 'wasm', 'cpu', 'auto'].includes(pref)) {
    throw new Error(`FACEMASK_BACKEND must be one of node, wasm, cpu, auto (got "${pref}")`);
  }
  if ((pref === 'node' || pref === undefined || pref === 'auto') && tryLoadNode()) {
    if (await tf.setBackend('tensorflow')) return 'tensorflow';
  }
  if (pref === 'node') throw new Error('FACEMASK_BACKEND=node but @tensorflow/tfjs-node is not installed or does not load');
  if (pref !== 'cpu') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the backend only when it is chosen
    require('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) {
      // the gradient kernels wasm lacks, so that models can be fine-tuned on it
      registerWasmGradients();
      return 'wasm';
    }
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

/**
 * Initialise the backend once per process and return its name. Prints one line saying which runs
 * (to stderr, so JSON lines on stdout stay clean) unless `quiet`.
 */
export function initBackend(opts: { quiet?: boolean; prefer?: string } = {}): Promise<BackendName> {
  if (!ready) {
    ready = (async () => {
      const name = await choose(opts.prefer ?? process.env.FACEMASK_BACKEND);
      await tf.ready();
      if (!opts.quiet) process.stderr.write(`tfjs backend: ${name} (tfjs ${tf.version.tfjs})\n`);
      return name;
    })();
  }
  return ready;
}

/** The backend in use, after `initBackend`. */
export function backendName(): string {
  return tf.getBackend();
}
