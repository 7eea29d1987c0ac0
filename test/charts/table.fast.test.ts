import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as aq from 'arquero';
import { tableText, tableHtml, showTable, formatValue } from '../../src/charts/index';

interface Metric {
  model: string;
  accuracy: number;
  images: number;
}

const rows: Metric[] = [
  { model: 'original', accuracy: 0.98765, images: 276 },
  { model: 'real-photos-long-name', accuracy: 1, images: 1234 },
];

test('tableText: numbers right-aligned with equal decimals, text left-aligned, columns line up', () => {
  const t = tableText(rows);
  const lines = t.split('\n');
  assert.deepEqual(lines, [
    'model                  accuracy  images',
    '---------------------  --------  ------',
    'original                  0.988     276',
    'real-photos-long-name     1.000    1234',
  ]);
  // Every column starts at the same offset on every line.
  for (const l of lines) assert.ok(!l.endsWith(' '));
});

test('tableText: column choice, row limit with a note, empty cells, objects as JSON, a title', () => {
  const many = Array.from({ length: 7 }, (_, i) => ({ i, note: i % 2 ? null : { k: i } }));
  const t = tableText(many, { maxRows: 3, title: 'T' }).split('\n');
  assert.equal(t[0], 'T');
  assert.equal(t.length, 1 + 2 + 3 + 1);
  assert.match(t[t.length - 1], /4 more rows \(7 in all\)/);
  assert.equal(t[4].trimEnd(), '1');
  assert.equal(tableText(rows, { columns: ['images'] }).split('\n')[2], '   276');
  assert.equal(formatValue(0.5, 2), '0.50');
  assert.equal(formatValue(undefined), '');
});

test('arquero tables are accepted as they are', () => {
  const dt = aq.from(rows);
  assert.equal(tableText(dt), tableText(rows));
  assert.equal(tableHtml(dt), tableHtml(rows));
});

test('tableHtml: escaped values, right-aligned numbers, a note for left-out rows', () => {
  const h = tableHtml([{ name: '<b>x</b>', n: 3 }, { name: 'y', n: 4 }], { maxRows: 1 });
  assert.ok(h.startsWith('<table>'));
  assert.ok(h.includes('&lt;b&gt;x&lt;/b&gt;'));
  assert.ok(!h.includes('<b>x'));
  assert.ok(h.includes('<td style="text-align:right">3</td>'));
  assert.ok(h.includes('1 more rows (2 in all)'));
  assert.ok(!h.includes('>4<'));
});

test('showTable outside a notebook prints the text table on stdout', () => {
  const out: string[] = [];
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
  try {
    showTable(rows);
  } finally {
    process.stdout.write = orig;
  }
  assert.equal(out.join(''), tableText(rows) + '\n');
  assert.throws(() => showTable(42 as never), /array of row objects or an arquero table/);
});
