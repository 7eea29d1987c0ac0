/**
 * Tables: rows of plain objects (or an arquero table) as HTML for the notebook and as aligned
 * plain text everywhere else. `tableHtml` and `tableText` are pure; `showTable` picks one.
 */
import { displayHtml } from './display';
import { escapeXml } from './grid';

type Row = Record<string, unknown>;

/** What arquero's `ColumnTable` offers that we use (structural, so arquero stays optional here). */
interface ArqueroLike {
  columnNames(): string[];
  objects(opts?: { limit?: number }): object[];
  numRows(): number;
}

/** Row objects (any objects, interfaces included) or an arquero table. */
export type TableInput = readonly object[] | ArqueroLike;

export interface TableOptions {
  /** Columns to show, in order. default: every field of the rows, in first-seen order */
  columns?: string[];
  /** Rows shown at most (a last line says how many were left out). default: 50 */
  maxRows?: number;
  /** Decimals of non-integer numbers. default: 3 */
  digits?: number;
  /** A caption above the table. default: none */
  title?: string;
}

function isArquero(t: unknown): t is ArqueroLike {
  return typeof t === 'object' && t !== null && typeof (t as ArqueroLike).objects === 'function' && typeof (t as ArqueroLike).columnNames === 'function';
}

interface Prepared {
  columns: string[];
  rows: Row[];
  total: number;
  /** Columns whose values are all numbers (or empty): right-aligned. */
  numeric: boolean[];
  /** Numeric columns with a non-integer value: every number gets the same decimals. */
  fixed: boolean[];
}

function prepare(input: TableInput, opts: TableOptions): Prepared {
  const maxRows = opts.maxRows ?? 50;
  let rows: Row[];
  let total: number;
  let columns: string[];
  if (isArquero(input)) {
    total = input.numRows();
    rows = input.objects({ limit: maxRows }) as Row[];
    columns = opts.columns ?? input.columnNames();
  } else if (Array.isArray(input)) {
    const all = input as readonly Row[];
    total = all.length;
    rows = all.slice(0, maxRows);
    const seen = new Set<string>();
    for (const r of all) for (const k of Object.keys(r ?? {})) seen.add(k);
    columns = opts.columns ?? [...seen];
  } else {
    throw new Error('showTable: expected an array of row objects or an arquero table');
  }
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number') && rows.every((r) => r[c] == null || typeof r[c] === 'number'));
  const fixed = columns.map((c, j) => numeric[j] && rows.some((r) => typeof r[c] === 'number' && Number.isFinite(r[c]) && !Number.isInteger(r[c])));
  return { columns, rows, total, numeric, fixed };
}

function cellText(p: Prepared, r: Row, j: number, digits = 3): string {
  const v = r[p.columns[j]];
  if (p.fixed[j] && typeof v === 'number' && Number.isFinite(v)) return v.toFixed(digits);
  return formatValue(v, digits);
}

/** One cell as text: integers as they are, other numbers with `digits` decimals, objects as JSON. */
export function formatValue(v: unknown, digits = 3): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : v.toFixed(digits);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Display width of a string (characters, counting surrogate pairs once). */
function textWidth(s: string): number {
  return [...s].length;
}

function pad(s: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(s)));
  return right ? fill + s : s + fill;
}

/**
 * The table as aligned plain text: a header, a rule, one line per row; numbers right-aligned,
 * text left-aligned, columns separated by two spaces. No trailing spaces.
 */
export function tableText(input: TableInput, opts: TableOptions = {}): string {
  const p = prepare(input, opts);
  const cells = p.rows.map((r) => p.columns.map((_, j) => cellText(p, r, j, opts.digits).replace(/\s*\n\s*/g, ' ')));
  const widths = p.columns.map((c, j) => Math.max(textWidth(c), ...cells.map((row) => textWidth(row[j]))));
  const line = (vals: string[]) => vals.map((v, j) => pad(v, widths[j], p.numeric[j])).join('  ').replace(/\s+$/, '');
  const out: string[] = [];
  if (opts.title) out.push(opts.title);
  out.push(line(p.columns));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells) out.push(line(row));
  if (p.total > p.rows.length) out.push(`… ${p.total - p.rows.length} more rows (${p.total} in all)`);
  return out.join('\n');
}

/** The table as an HTML `<table>` (values escaped; numbers right-aligned). */
export function tableHtml(input: TableInput, opts: TableOptions = {}): string {
  const p = prepare(input, opts);
  const align = (j: number) => (p.numeric[j] ? ' style="text-align:right"' : ' style="text-align:left"');
  const head = p.columns.map((c, j) => `<th${align(j)}>${escapeXml(c)}</th>`).join('');
  const body = p.rows
    .map((r) => '<tr>' + p.columns.map((_, j) => `<td${align(j)}>${escapeXml(cellText(p, r, j, opts.digits))}</td>`).join('') + '</tr>')
    .join('\n');
  const more = p.total > p.rows.length ? `<tr><td colspan="${p.columns.length}"><i>… ${p.total - p.rows.length} more rows (${p.total} in all)</i></td></tr>` : '';
  const caption = opts.title ? `<caption style="text-align:left;font-weight:bold">${escapeXml(opts.title)}</caption>` : '';
  return `<table>${caption}<thead><tr>${head}</tr></thead><tbody>\n${body}${more}\n</tbody></table>`;
}

/** Show a table: HTML inline in a tslab notebook, aligned text on stdout elsewhere. */
export function showTable(input: TableInput, opts: TableOptions = {}): void {
  if (!displayHtml(tableHtml(input, opts))) process.stdout.write(tableText(input, opts) + '\n');
}
