/** Frames per second over a sliding window of the last frames' end times. Pure. */

export class FpsMeter {
  private readonly times: number[] = [];
  /**
   * @param windowMs frames older than this are forgotten. default: 2000
   * @param maxFrames at most this many are kept. default: 60
   */
  constructor(
    private readonly windowMs = 2000,
    private readonly maxFrames = 60,
  ) {}

  /** A frame ended at `now` (ms, e.g. performance.now()). */
  tick(now: number): void {
    this.times.push(now);
    while (this.times.length > this.maxFrames || (this.times.length > 2 && now - this.times[0] > this.windowMs)) this.times.shift();
  }

  /** Frames per second over the kept frames; 0 before two frames. */
  fps(): number {
    const n = this.times.length;
    if (n < 2) return 0;
    const span = this.times[n - 1] - this.times[0];
    return span > 0 ? ((n - 1) * 1000) / span : 0;
  }

  /** Forget every frame (after a pause). */
  reset(): void {
    this.times.length = 0;
  }
}
