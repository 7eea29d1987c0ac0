/**
 * The verbs that run on what the installed package carries (the shipped model, YuNet, the page):
 * classify (on the model's ONNX export), detect, video and serve. The repository's command has them
 * too (./index.ts); the installed one has only these (../installed.ts), so its bundle holds no
 * training code.
 */
import type { VerbEntry } from '../args';

/* eslint-disable @typescript-eslint/no-require-imports -- each verb's module is loaded when that verb runs (VerbEntry) */
export const INFERENCE_VERBS: readonly VerbEntry[] = [
  { name: 'classify', load: () => (require('./classify') as typeof import('./classify')).classifyVerb },
  { name: 'detect', load: () => (require('./detect') as typeof import('./detect')).detectVerb },
  { name: 'video', load: () => (require('./video') as typeof import('./video')).videoVerb },
  { name: 'serve', load: () => (require('./serve') as typeof import('./serve')).serveVerb },
];
