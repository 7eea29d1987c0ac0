import type { VerbSpec } from '../args';
// Filled in by the asset layer (src/assets/prepare.ts) — being written now.
export const prepareVerb: VerbSpec = {
  name: 'prepare',
  summary: 'install and verify the datasets and weights (from a mirror or from upstream)',
  flags: {},
  examples: [],
  async run() { throw new Error('not yet'); },
};
