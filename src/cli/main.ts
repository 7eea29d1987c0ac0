/**
 * `facemask <verb>` in a clone of the repository: every verb (bin/facemask.js runs it through tsx).
 * The installed package's command has the verbs that run on what it carries: ./installed.ts.
 */
import { VERBS } from './verbs';
import { overview as overviewOf, runCli } from './run';

export { failure, versionText } from './run';

export function overview(): string {
  return overviewOf(VERBS);
}

export function main(argv: string[]): Promise<number> {
  return runCli(argv, { verbs: VERBS });
}
