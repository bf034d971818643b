/**
 * What was slow while a browser test ran, printed to stderr with the time of day, so that a test
 * that times out in CI can be read against it. The server runs in the test's own process (and so
 * does PGlite, on this thread): a blocked event loop stalls Playwright's client too, and a long
 * transaction on the one PGlite connection makes every request wait behind it. Four watches:
 * the event loop (a timer that fires late), statements and transactions (the SQL text, never its
 * parameters), HTTP requests (method and path) slower than `thresholdMs` or still unanswered after
 * ten seconds, and Chromium's processes (one that keeps a core busy for five seconds: a page whose
 * main thread spins answers no Playwright action).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SqlClient, SqlExecutor, SqlResult } from '@sahti/fhir';
import type { TestServer } from '../../support/server.ts';

const THRESHOLD_MS = Number(process.env.SAHTI_TEST_STALL_MS ?? 1500);

function report(what: string, ms: number): void {
  process.stderr.write(
    `[stall-watch ${new Date().toISOString().slice(11, 23)}] ${Math.round(ms)} ms ${what}\n`,
  );
}

function firstWords(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 140);
}

function watchEventLoop(thresholdMs: number): () => void {
  const tick = 200;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last - tick > thresholdMs) report('event loop blocked', now - last - tick);
    last = now;
  }, tick);
  timer.unref();
  return () => clearInterval(timer);
}

/** Wraps the client's methods in place: every module holds this same object. */
function watchStatements(db: SqlClient, thresholdMs: number): () => void {
  const { query, transaction } = db;
  db.query = async <Row>(text: string, params?: unknown[]) => {
    const started = performance.now();
    try {
      return await query.call<SqlClient, [string, unknown[] | undefined], Promise<SqlResult<Row>>>(
        db,
        text,
        params,
      );
    } finally {
      const ms = performance.now() - started;
      if (ms > thresholdMs) report(`statement: ${firstWords(text)}`, ms);
    }
  };
  db.transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>) => {
    const started = performance.now();
    let first = '';
    let statements = 0;
    try {
      return await transaction.call<SqlClient, [(tx: SqlExecutor) => Promise<T>], Promise<T>>(db, (tx) =>
        work({
          query: (text, params, options) => {
            statements += 1;
            if (!first) first = text;
            return tx.query(text, params, options);
          },
        }),
      );
    } finally {
      const ms = performance.now() - started;
      if (ms > thresholdMs)
        report(`transaction of ${statements} statements, first: ${firstWords(first)}`, ms);
    }
  };
  return () => {
    db.query = query;
    db.transaction = transaction;
  };
}

function watchRequests(server: TestServer, thresholdMs: number): () => void {
  const open = new Map<ServerResponse, { what: string; started: number; told: boolean }>();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const entry = {
      what: `${req.method} ${(req.url ?? '').split('?')[0]}`,
      started: performance.now(),
      told: false,
    };
    open.set(res, entry);
    res.once('close', () => {
      open.delete(res);
      const ms = performance.now() - entry.started;
      const how = res.writableFinished ? `→ ${res.statusCode}` : '→ closed before its answer was sent';
      if (ms > thresholdMs || !res.writableFinished) report(`${entry.what} ${how}`, ms);
    });
  };
  const timer = setInterval(() => {
    for (const entry of open.values())
      if (!entry.told && performance.now() - entry.started > 10_000) {
        entry.told = true;
        report(`${entry.what} still unanswered`, performance.now() - entry.started);
      }
  }, 1000);
  timer.unref();
  server.platform.app.server.on('request', onRequest);
  return () => {
    clearInterval(timer);
    server.platform.app.server.off('request', onRequest);
  };
}

/** CPU time (clock ticks) of each Chromium process, from /proc. */
function chromiumTicks(): Map<number, { ticks: number; kind: string }> {
  const out = new Map<number, { ticks: number; kind: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (!cmdline.includes('chromium')) continue;
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const kind = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? 'browser';
      out.set(Number(name), { ticks: Number(fields[11]) + Number(fields[12]), kind });
    } catch {
      // the process ended while being read
    }
  }
  return out;
}

function watchChromium(): () => void {
  const every = 5000;
  const ticksPerSecond = 100;
  let before = chromiumTicks();
  const timer = setInterval(() => {
    const now = chromiumTicks();
    for (const [pid, { ticks, kind }] of now) {
      const used = (ticks - (before.get(pid)?.ticks ?? ticks)) / ticksPerSecond;
      if (used > (0.9 * every) / 1000)
        report(`chromium ${kind} process ${pid} busy ${used.toFixed(1)} s of CPU in 5 s`, every);
    }
    before = now;
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

/** Starts the three watches; the returned function stops them. */
export function watchStalls(server: TestServer, thresholdMs = THRESHOLD_MS): () => void {
  const stops = [
    watchEventLoop(thresholdMs),
    watchStatements(server.platform.db, thresholdMs),
    watchRequests(server, thresholdMs),
    watchChromium(),
  ];
  return () => {
    for (const stop of stops) stop();
  };
}
