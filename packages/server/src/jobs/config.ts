/** Settings of the job runner, read once from the environment (README.md's configuration table). */

export interface JobSettings {
  /** How often idle workers look for due jobs (retries, delayed jobs); new jobs wake them at once. */
  pollSeconds: number;
  /**
   * How often a supervision pass takes back the jobs of crashed workers (stale heartbeat, expired
   * lease), counts queue depths and purges old jobs.
   */
  superviseSeconds: number;
  /** How long `stop()` waits for running jobs before giving them back to the queue. */
  stopSeconds: number;
  /** Connections of the runner's own pool on a PostgreSQL server (not used on PGlite). */
  poolSize: number;
}

export function readJobSettings(env: NodeJS.ProcessEnv = process.env): JobSettings {
  const number = (name: string, fallback: number, min: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}`);
    return value;
  };
  return {
    pollSeconds: number('SAHTI_JOBS_POLL_SECONDS', 2, 0.5),
    superviseSeconds: number('SAHTI_JOBS_SUPERVISE_SECONDS', 15, 1),
    stopSeconds: number('SAHTI_JOBS_STOP_SECONDS', 20, 1),
    poolSize: number('SAHTI_JOBS_POOL', 4, 2),
  };
}
