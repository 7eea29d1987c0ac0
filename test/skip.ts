/**
 * The one way a test skips: `skipOrFail(t, reason)`. Locally a test whose dataset, model or tool is
 * not installed skips, saying why; under CI (`CI=true`, as .ci/run sets it) the same test fails with
 * that reason, because CI installs everything (`npx facemask prepare --mirror ../shared`, ffmpeg,
 * Chromium, Jupyter), so a skip there would hide a broken set-up. scripts/run-tests.ts also fails
 * any other skip under CI.
 *
 *   const missing = fs.existsSync(DIR) ? false : `ilc2021 is not installed (run "facemask prepare …")`;
 *   test('…', (t) => {
 *     if (skipOrFail(t, missing)) return;
 *     …
 *   });
 */
import type { TestContext } from 'node:test';
import { isCi } from '../scripts/run-tests';

export class SkipOnCiError extends Error {}

/**
 * `reason` is why the test cannot run here, or false (or '') when it can. Returns true when the test
 * was skipped (the caller returns); under CI it throws instead, so the test fails with the reason.
 */
export function skipOrFail(t: Pick<TestContext, 'skip'>, reason: string | false | null | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!reason) return false;
  if (isCi(env)) throw new SkipOnCiError(`CI=true, and this test would skip: ${reason}. CI installs every dataset, model and tool, so a skip there is a failure.`);
  t.skip(reason);
  return true;
}
