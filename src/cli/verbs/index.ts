/** The verbs of `facemask`, in pipeline order. Each lives in its own module. */
import type { VerbSpec } from '../args';
import { prepareVerb } from './prepare';

export const VERBS: VerbSpec[] = [prepareVerb];
