/**
 * Live training curves: a line chart re-rendered on every update. In a tslab notebook it is two
 * display entries overwritten in place (tslab's `newDisplay()`, `update_display_data`): the PNG
 * and the interactive HTML view (tooltips, zoom, legend highlight; see interactive.ts), so the
 * executed notebook keeps the final chart; with `file` set it is also written (atomically) on
 * every update, which is how a terminal run watches it. Outside a notebook and without `file`,
 * updates only keep the rows.
 */
import { updatableDisplay, NotebookDisplay } from './display';
import { Figure } from './figure';
import { nextHtmlOutput } from './interactive';
import { lineChart, LineChartOptions, Row, Rows } from './charts';

export interface LiveChartOptions extends LineChartOptions {
  /** Also save the chart here (`.png` or `.svg`) on every update. default: none */
  file?: string;
}

export class LiveChart {
  private rowsSoFar: Row[] = [];
  private display: NotebookDisplay | null | undefined;
  /** The HTML entry (null: none, mode `off`) and whether it carries the chart library. */
  private htmlDisplay: { display: NotebookDisplay; library: boolean } | null | undefined;
  /** The last rendered chart (undefined before the first update). */
  figure?: Figure;

  constructor(private readonly opts: LiveChartOptions) {}

  /** The rows drawn so far. */
  get rows(): readonly Row[] {
    return this.rowsSoFar;
  }

  /** Add one row (e.g. one epoch's metrics) and redraw. */
  push(row: object): Promise<Figure> {
    return this.update([...this.rowsSoFar, row as Row]);
  }

  /** Replace all rows and redraw. */
  async update(rows: Rows): Promise<Figure> {
    this.rowsSoFar = rows.slice() as Row[];
    const { file, ...chartOpts } = this.opts;
    const fig = lineChart(this.rowsSoFar, chartOpts);
    this.figure = fig;
    if (this.display === undefined) this.display = updatableDisplay();
    if (this.display) {
      this.display.png(await fig.png());
      if (this.htmlDisplay === undefined) {
        const out = nextHtmlOutput();
        const display = out ? updatableDisplay() : null;
        this.htmlDisplay = out && display ? { display, library: out.library } : null;
      }
      // An entry that carried the library keeps carrying it: each update replaces the whole output.
      if (this.htmlDisplay) this.htmlDisplay.display.html(fig.html({ library: nextHtmlOutput(this.htmlDisplay.library)?.library ?? false }));
    }
    if (file) await fig.save(file);
    return fig;
  }
}

/** A line chart to redraw while training: `const live = liveChart({x:'epoch', y:['loss','val_loss']}); await live.push(row)`. */
export function liveChart(opts: LiveChartOptions): LiveChart {
  return new LiveChart(opts);
}
