/**
 * Charts, pictures and tables that render without a browser: Vega-Lite → SVG in Node, sharp for
 * PNG. Every chart function returns a `Figure` synchronously (`.svg`, `.png()`, `.save(file)`,
 * `.show()`: a PNG plus an interactive HTML view in a notebook, see interactive.ts); `imageGrid` returns a `Picture` (`.png()`, `.save(file)`, `.show()`, composed on
 * first use). `showTable` draws an HTML table in a notebook and prints aligned text elsewhere.
 *
 * In a tslab notebook:
 *   import { barChart, imageGrid, showTable } from './src/charts/index';   // not './src/charts'
 *   await barChart(rows, { x: 'dataset', y: 'count', colour: 'label' }).show();
 * - `await` every `.show()`: tslab does not wait for a promise left pending, so an un-awaited
 *   chart may land in a later cell or be lost, and its errors would not fail the cell.
 * - tslab cannot resolve a folder import (`'../charts'` → `charts/index.ts`) in the TypeScript it
 *   compiles for a notebook: inside `src/`, code that notebooks load must import `…/index`.
 */
export { Figure, vegaLite, renderVegaLite, compileVegaLite, withBaseConfig, renderVega, svgToPng, DEFAULT_PNG_SCALE } from './figure';
export type { VegaLiteSpec } from './figure';
export { barChart, lineChart, histogram, heatmap, scatter, tooltipEntry, DEFAULT_MAX_ITEMS } from './charts';
export type { Row, Rows, ChartOptions, BarChartOptions, LineChartOptions, HistogramOptions, HeatmapOptions, ScatterOptions } from './charts';
export { tradeoffChart, frontierIndices, settingLabel } from './tradeoff';
export { reliabilityChart } from './reliability';
export { timelineChart, TIMELINE_MAX_FACES } from './timeline';
export type { TimelineRun } from './timeline';
export type { ReliabilityPoint, ReliabilitySeries } from './reliability';
export type { TradeoffRow, TradeoffSetting, TradeoffOptions } from './tradeoff';
export { interactiveCharts, interactiveMode, interactiveHtml, interactivePage, libraryBundle } from './interactive';
export type { InteractiveMode } from './interactive';
export { imageGrid, picture, showImage, Picture, escapeXml, fitText } from './grid';
export type { ImageInput, GridItem, GridBox, ImageGridOptions, ShowImageOptions } from './grid';
export { showTable, tableHtml, tableText, formatValue } from './table';
export type { TableInput, TableOptions } from './table';
export { liveChart, LiveChart } from './live';
export type { LiveChartOptions } from './live';
export { inNotebook } from './display';
