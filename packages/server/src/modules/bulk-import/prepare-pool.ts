/**
 * Where the lines of a batch are prepared (prepare.ts): in worker threads when the store's rules
 * are the platform's own (the workers know no other) and `workers` > 0, each worker a slice of the
 * batch, results in line order; otherwise in the job's thread, yielding to the event loop every few
 * lines so that the batch before is written meanwhile (on PostgreSQL, in the database's process).
 * Workers are started for a job and ended with it.
 */
import { Worker } from 'node:worker_threads';
import { type ResourceRule, turnEvery } from '@sahti/fhir';
import { moroccanIdentifierRule } from '../../identifiers/morocco.ts';
import { type PreparedLine, prepareLine, type StagedLine } from './prepare.ts';
import type { PrepareRequest } from './prepare-worker.ts';

const SLICE = 25;

export class PreparePool {
  private readonly workers: Worker[];
  private readonly rules: ResourceRule[];

  constructor(rules: ResourceRule[], workers: number) {
    this.rules = rules;
    const platformRules = rules.length === 1 && rules[0] === moroccanIdentifierRule;
    this.workers = platformRules
      ? Array.from({ length: workers }, () => new Worker(new URL('./prepare-worker.ts', import.meta.url)))
      : [];
  }

  async prepare(rows: StagedLine[]): Promise<PreparedLine[]> {
    const now = new Date().toISOString();
    if (this.workers.length === 0) return this.inThread(rows, now);
    const size = Math.ceil(rows.length / this.workers.length);
    const parts = await Promise.all(
      this.workers.map((worker, i) => ask(worker, { rows: rows.slice(i * size, (i + 1) * size), now })),
    );
    return parts.flat();
  }

  private async inThread(rows: StagedLine[], now: string): Promise<PreparedLine[]> {
    const prepared: PreparedLine[] = [];
    for (const [i, row] of rows.entries()) {
      await turnEvery(i, SLICE);
      prepared.push(prepareLine(row, this.rules, now));
    }
    return prepared;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function ask(worker: Worker, request: PrepareRequest): Promise<PreparedLine[]> {
  if (request.rows.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (prepared: PreparedLine[]) => {
      done();
      resolve(prepared);
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const onExit = (code: number) => {
      done();
      reject(new Error(`a prepare worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request);
  });
}
