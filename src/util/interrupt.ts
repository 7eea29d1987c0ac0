/**
 * Ctrl-C and `kill`: what an interrupted verb keeps and removes (docs/contracts.md "Interruption").
 *
 * Signals belong to the process, so this is the one process-wide registry of them. Work that leaves
 * something half-made while it runs (a run folder, a temporary folder, a `.partial` file) registers a
 * cleanup for as long as it runs; work that can stop cleanly (video finalises its file, `detect` and
 * `classify` keep the results so far) listens to `interruption.signal` instead.
 *
 * Nothing happens on a signal until the CLI calls `handleSignals` (library users and notebooks keep
 * Node's own behaviour). Then: a graceful verb gets the first signal as an abort and stops at its next
 * step; a second signal, or any signal to another verb, runs every cleanup at once (synchronously,
 * newest first) and exits 130 (SIGINT) or 143 (SIGTERM), what shells expect.
 */

/** Exit status of a verb stopped by a signal: 128 + the signal's number. */
export const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_ON_SIGNAL;

/** The exit status the shell expects after Ctrl-C. */
export const EXIT_INTERRUPTED = EXIT_ON_SIGNAL.SIGINT;

class Interruption {
  private controller = new AbortController();
  private readonly cleanups = new Set<() => void>();
  private received: StopSignal | null = null;

  /** Aborted when a graceful verb is asked to stop. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that arrived, or null. */
  get stoppedBy(): StopSignal | null {
    return this.received;
  }

  /** The exit status for the signal that arrived (130 when none did: a stop asked for by a test). */
  get exitCode(): number {
    return EXIT_ON_SIGNAL[this.received ?? 'SIGINT'];
  }

  /**
   * Run `cleanup` if the process is stopped before the returned function is called (call it when the
   * work is finished or has cleaned up after itself). Cleanups must be synchronous and must not throw.
   */
  whileRunning(cleanup: () => void): () => void {
    this.cleanups.add(cleanup);
    return () => {
      this.cleanups.delete(cleanup);
    };
  }

  /** Run every registered cleanup, newest first (each once). */
  runCleanups(): void {
    for (const c of [...this.cleanups].reverse()) {
      this.cleanups.delete(c);
      try {
        c();
      } catch {
        /* a cleanup that fails must not stop the others */
      }
    }
  }

  /** Record a stop and abort `signal` (what a signal does to a graceful verb; tests call it directly). */
  stop(by: StopSignal = 'SIGINT'): void {
    this.received ??= by;
    this.controller.abort(new Error(`stopped by ${by}`));
  }

  /** Forget a stop (tests and notebooks that run several verbs in one process). */
  reset(): void {
    this.received = null;
    this.controller = new AbortController();
  }
}

/** The process's interruption state. */
export const interruption = new Interruption();

/**
 * Install the CLI's signal handlers for one verb; returns a function that removes them.
 * `graceful`: the verb watches `interruption.signal` and finishes what it can (its first signal
 * only aborts); otherwise the first signal runs the cleanups and exits. `say` reports a forced stop.
 */
export function handleSignals(opts: { graceful: boolean; say: (message: string) => void }): () => void {
  const on = (sig: StopSignal) => {
    const again = interruption.stoppedBy !== null;
    interruption.stop(sig);
    if (opts.graceful && !again) return;
    interruption.runCleanups();
    opts.say(again ? `stopped at once (${sig} again); what was half-made is removed` : `interrupted (${sig}); what was half-made is removed`);
    process.exit(EXIT_ON_SIGNAL[sig]);
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.removeListener('SIGINT', onInt);
    process.removeListener('SIGTERM', onTerm);
  };
}
