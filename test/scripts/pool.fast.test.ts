/** scripts/pool.ts: the scripts' work pool. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPool } from '../../scripts/pool';

test('runPool: at most `jobs` at once, every item once, the results in the items\' order', async () => {
  for (const jobs of [1, 2, 5]) {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    const out = await runPool([30, 10, 20, 5, 15], jobs, async (ms) => {
      running++;
      most = Math.max(most, running);
      seen.push(ms);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return ms * 2;
    });
    assert.deepEqual(out, [60, 20, 40, 10, 30]);
    assert.deepEqual([...seen].sort((a, b) => a - b), [5, 10, 15, 20, 30]);
    assert.equal(most, Math.min(jobs, 5));
  }
});
