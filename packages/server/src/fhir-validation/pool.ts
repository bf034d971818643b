/**
 * Validation of large transaction bundles on worker threads (the store's `validateMany`), so that
 * the thread serving requests — and on the embedded database, running PostgreSQL itself — is not
 * the one walking every resource against R4 (off by default: readValidationWorkers). Workers start at the first large bundle and stop after
 * a minute without one (their R4 definitions are tens of MiB each). A batch is cut into one
 * contiguous slice per worker; outcomes come back in order. Should a worker fail, the batch is
 * validated on this thread: the answer is the same, only slower.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { type ResourceRule, type ValidateMany, validationOutcome } from '@sahti/fhir';
import { moroccanIdentifierRule } from '../identifiers/morocco.ts';
import type { ValidationRequest } from './worker.ts';

const IDLE_MS = 60_000;

interface Pending {
  resolve(outcomes: OperationOutcome[]): void;
  reject(err: Error): void;
}

class ValidationWorker {
  readonly #worker = new Worker(new URL('./worker.ts', import.meta.url));
  readonly #pending = new Map<number, Pending>();
  #next = 0;

  constructor(onGone: () => void) {
    this.#worker.on('message', ({ id, outcomes }: { id: number; outcomes: OperationOutcome[] }) => {
      this.#pending.get(id)?.resolve(outcomes);
      this.#pending.delete(id);
    });
    const fail = (err: Error) => {
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      onGone();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`a validation worker exited with code ${code}`)));
  }

  validate(resources: unknown[]): Promise<OperationOutcome[]> {
    if (resources.length === 0) return Promise.resolve([]);
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, resources } satisfies ValidationRequest);
    });
  }

  get busy(): boolean {
    return this.#pending.size > 0;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

export class ValidationPool {
  readonly #size: number;
  readonly #rules: ResourceRule[];
  #workers: ValidationWorker[] = [];
  #idle: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(size: number, rules: ResourceRule[]) {
    this.#size = size;
    this.#rules = rules;
  }

  /** The store's validateMany; undefined when the pool cannot stand in for this thread. */
  static forStore(size: number, rules: ResourceRule[]): ValidationPool | undefined {
    const platformRules = rules.length === 1 && rules[0] === moroccanIdentifierRule;
    return size > 0 && platformRules ? new ValidationPool(size, rules) : undefined;
  }

  readonly validateMany: ValidateMany = async (resources) => {
    if (this.#closed) return this.#here(resources);
    if (this.#workers.length === 0)
      this.#workers = Array.from({ length: this.#size }, () => {
        const worker = new ValidationWorker(() => {
          this.#workers = this.#workers.filter((w) => w !== worker);
        });
        return worker;
      });
    clearTimeout(this.#idle);
    const workers = this.#workers;
    const size = Math.ceil(resources.length / workers.length);
    try {
      const parts = await Promise.all(
        workers.map((w, i) => w.validate(resources.slice(i * size, (i + 1) * size))),
      );
      return parts.flat();
    } catch {
      return this.#here(resources);
    } finally {
      this.#idle = setTimeout(() => void this.#stopIdle(), IDLE_MS).unref();
    }
  };

  #here(resources: unknown[]): OperationOutcome[] {
    return resources.map((r) => validationOutcome(r, this.#rules));
  }

  async #stopIdle(): Promise<void> {
    if (this.#workers.some((w) => w.busy)) return;
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#idle);
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * `SAHTI_VALIDATION_WORKERS`: worker threads validating large transaction bundles; `cores` is one
 * per core but the serving thread's. Default 0 (on the serving thread): on the 2 shared cores
 * measured, a worker made the embedded import 4 % faster for 13 % more CPU and ~150 MiB more memory
 * (docs/performance.md); it pays where cores are idle, and keeps the event loop free meanwhile.
 */
export function readValidationWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SAHTI_VALIDATION_WORKERS;
  if (value === undefined || value === '') return 0;
  if (value === 'cores') return Math.max(1, availableParallelism() - 1);
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 64)
    throw new Error('SAHTI_VALIDATION_WORKERS must be a whole number from 0 to 64, or cores');
  return n;
}
