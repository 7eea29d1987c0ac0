/**
 * `facemask <verb>` in an installed package (`npm install facemask`; bin/facemask.js runs the bundle
 * built from this module, dist/cli.cjs): the verbs that run on what the package carries — the shipped
 * model, YuNet and the page. The others need the datasets, the ImageNet base and the development
 * dependencies of a clone of the repository, and say so.
 */
import { INFERENCE_VERBS } from './verbs/inference';
import { runCli } from './run';

/** The verbs of the installed package. */
export const INSTALLED_VERBS = INFERENCE_VERBS;

/** The verbs only a clone of the repository has. */
export const CLONE_VERBS = ['prepare', 'inspect', 'synth', 'train', 'ensemble', 'evaluate', 'cv', 'tune', 'calibrate', 'promote'] as const;

export function main(argv: string[]): Promise<number> {
  return runCli(argv, {
    verbs: INSTALLED_VERBS,
    elsewhere: {
      names: CLONE_VERBS,
      why: (verb) =>
        `"${verb}" runs in a clone of the facemask repository (it needs the datasets, the ImageNet base and the development dependencies: git clone, npm ci, npx facemask prepare); the installed package runs ${INSTALLED_VERBS.map((v) => v.name).join(', ')}`,
    },
  });
}
