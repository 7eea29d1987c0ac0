/** The verbs of `facemask`, in pipeline order. Each lives in its own module, loaded when it runs (VerbEntry). */
import type { VerbEntry } from '../args';
import { INFERENCE_VERBS } from './inference';

/* eslint-disable @typescript-eslint/no-require-imports -- each verb's module is loaded when that verb runs (VerbEntry) */
export const VERBS: readonly VerbEntry[] = [
  { name: 'prepare', load: () => (require('./prepare') as typeof import('./prepare')).prepareVerb },
  { name: 'inspect', load: () => (require('./inspect') as typeof import('./inspect')).inspectVerb },
  { name: 'synth', load: () => (require('./synth') as typeof import('./synth')).synthVerb },
  { name: 'train', load: () => (require('./train') as typeof import('./train')).trainVerb },
  { name: 'ensemble', load: () => (require('./ensemble') as typeof import('./ensemble')).ensembleVerb },
  { name: 'evaluate', load: () => (require('./evaluate') as typeof import('./evaluate')).evaluateVerb },
  { name: 'cv', load: () => (require('./cv') as typeof import('./cv')).cvVerb },
  { name: 'tune', load: () => (require('./tune') as typeof import('./tune')).tuneVerb },
  { name: 'calibrate', load: () => (require('./calibrate') as typeof import('./calibrate')).calibrateVerb },
  { name: 'promote', load: () => (require('./promote') as typeof import('./promote')).promoteVerb },
  ...INFERENCE_VERBS,
];
