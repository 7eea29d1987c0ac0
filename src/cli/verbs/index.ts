/** The verbs of `facemask`, in pipeline order. Each lives in its own module. */
import type { VerbSpec } from '../args';
import { prepareVerb } from './prepare';
import { inspectVerb } from './inspect';
import { synthVerb } from './synth';
import { trainVerb } from './train';
import { promoteVerb } from './promote';
import { tuneVerb } from './tune';
import { calibrateVerb } from './calibrate';
import { cvVerb } from './cv';
import { ensembleVerb } from './ensemble';
import { evaluateVerb } from './evaluate';
import { classifyVerb } from './classify';
import { detectVerb } from './detect';
import { videoVerb } from './video';
import { serveVerb } from './serve';

export const VERBS: VerbSpec[] = [prepareVerb, inspectVerb, synthVerb, trainVerb, ensembleVerb, evaluateVerb, cvVerb, tuneVerb, calibrateVerb, promoteVerb, classifyVerb, detectVerb, videoVerb, serveVerb];
