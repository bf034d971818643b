/**
 * Graceful shutdown on SIGTERM / SIGINT: `close` stops accepting connections, lets in-flight
 * requests and running jobs finish, flushes the audit log and closes the database (platform.close).
 * A second signal exits at once; so does a shutdown that outlasts its time limit.
 */
export interface ShutdownOptions {
  /** Longest the whole shutdown may take (SAHTI_SHUTDOWN_SECONDS, default 30). */
  seconds: number;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** process.exit, replaced in tests. */
  exit?: (code: number) => void;
}

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export function shutdownSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.SAHTI_SHUTDOWN_SECONDS ?? 30);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 30;
}

export function closeOnSignals(close: () => Promise<void>, options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES): void => {
    if (stopping) {
      options.log.warn(`${signal} again: exiting without waiting`);
      exit(SIGNAL_EXIT_CODES[signal]);
      return;
    }
    stopping = true;
    options.log.info(
      `${signal}: shutting down — no new connections; in-flight requests and running jobs finish (at most ${options.seconds} s)`,
    );
    const deadline = setTimeout(() => {
      options.log.error(`shutdown still not done after ${options.seconds} s: exiting`);
      exit(1);
    }, options.seconds * 1000);
    deadline.unref();
    close().then(
      () => {
        clearTimeout(deadline);
        options.log.info('shut down cleanly');
        exit(0);
      },
      (err: Error) => {
        clearTimeout(deadline);
        options.log.error(`shutdown failed: ${err.message}`);
        exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
}
