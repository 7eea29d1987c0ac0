/**
 * A node:test reporter that writes one JSON object to its destination: every top-level test with
 * its file, status, duration and skip reason, and every file's wall time. scripts/run-tests.ts reads
 * it to print the tier's summary and to fail a skipped test under CI. (JavaScript, not TypeScript:
 * node loads reporters before `--import tsx` is in place.)
 *
 *   node --test --test-reporter=./scripts/test-tally.mjs --test-reporter-destination=tally.json …
 */
export default async function* tally(source) {
  const tests = [];
  const files = {};
  for await (const event of source) {
    const d = event.data ?? {};
    const file = d.file ?? null;
    if (event.type === 'test:complete' && file && d.name === file) {
      files[file] = { ms: d.details?.duration_ms ?? 0, ok: !d.details?.error };
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (file && d.name === file) {
      // a file that failed outside any test (it did not load, or a hook threw)
      if (event.type === 'test:fail') tests.push({ file, name: '(the file itself)', status: 'fail', ms: d.details?.duration_ms ?? 0, error: String(d.details?.error?.cause ?? d.details?.error ?? '') });
      continue;
    }
    if (d.nesting !== 0) continue;
    const status = event.type === 'test:fail' ? 'fail' : d.skip !== undefined && d.skip !== false ? 'skip' : d.todo !== undefined && d.todo !== false ? 'todo' : 'pass';
    const row = { file, name: d.name, status, ms: d.details?.duration_ms ?? 0 };
    if (status === 'skip') row.reason = typeof d.skip === 'string' ? d.skip : '';
    tests.push(row);
  }
  yield JSON.stringify({ format: 'facemask-test-tally/1', tests, files }) + '\n';
}
