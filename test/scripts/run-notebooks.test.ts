/**
 * The notebook runner against a real tslab kernel (about 25 s: kernel start plus tslab compiling
 * src/charts). A temporary notebook outside the repository shows a table, a chart and a live
 * chart, then fails on purpose: the run must report that cell with its error, keep the outputs
 * made before it, and not run the cells after it. (Arguments: run-notebooks.fast.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executeNotebook, installKernel, jupyterEnv } from '../../scripts/run-notebooks';
import { projectPaths } from '../../src/paths';

const root = projectPaths().root;

function notebook(cells: string[]): string {
  return JSON.stringify({
    cells: cells.map((src) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: src })),
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}

test('a failing cell fails the run, is reported with its error, and keeps earlier outputs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nb-'));
  try {
    // Like notebooks/: src/ reachable by a relative import, packages found from there.
    fs.symlinkSync(path.join(root, 'src'), path.join(dir, 'src'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    const nb = path.join(dir, 'probe.ipynb');
    fs.writeFileSync(nb, notebook([
      "import { barChart, liveChart, showTable, inNotebook } from './src/charts/index';",
      "console.log('inNotebook', inNotebook());\nshowTable([{ a: 1, b: 'x' }]);\nawait barChart([{ k: 'a', v: 1 }, { k: 'b', v: 2 }], { x: 'k', y: 'v' }).show();",
      "const live = liveChart({ x: 'epoch', y: 'loss' });\nfor (let e = 1; e <= 3; e++) await live.push({ epoch: e, loss: 1 / e });",
      "throw new Error('deliberate failure 42');",
      "console.log('must not run');",
    ]));
    const env = jupyterEnv(root, installKernel(root));
    const out = path.join(dir, 'executed');
    const r = await executeNotebook(nb, out, { timeout: 300, env });
    assert.equal(r.ok, false);
    assert.equal(r.failure?.cell, 3, JSON.stringify(r.failure));
    assert.match(r.failure!.error, /Error: deliberate failure 42/);
    assert.match(r.failure!.source, /deliberate failure 42/);
    assert.deepEqual(r.cells.map((c) => c.cell), [0, 1, 2, 3]);

    const executed = JSON.parse(fs.readFileSync(r.executed, 'utf8')) as { cells: { outputs: Output[] }[] };
    // nbformat stores multi-line strings as arrays of lines.
    const str = (x: unknown) => (Array.isArray(x) ? x.join('') : typeof x === 'string' ? x : '');
    const text = (o: Output) => str(o.text);
    const c1 = executed.cells[1].outputs;
    assert.ok(c1.some((o) => o.output_type === 'stream' && /inNotebook true/.test(text(o))), 'inNotebook() is true in the kernel');
    assert.ok(c1.some((o) => /<table>/.test(str(o.data?.['text/html']))), 'HTML table');
    const png = c1.find((o) => o.data?.['image/png']);
    assert.ok(png, 'chart as image/png');
    assert.deepEqual([...Buffer.from(str(png!.data!['image/png']), 'base64').subarray(1, 4)], [...Buffer.from('PNG')]);
    // The live chart is one display entry, updated in place three times.
    const live = executed.cells[2].outputs.filter((o) => o.data?.['image/png']);
    assert.equal(live.length, 1);
    assert.equal(executed.cells[4].outputs.length, 0, 'cells after the failure do not run');
    assert.deepEqual(fs.readdirSync(out), ['probe.ipynb'], 'no temporary files left');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
