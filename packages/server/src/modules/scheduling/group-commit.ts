/**
 * Group commit: requests that arrive while a commit is under way are written together in the next
 * one. An idle queue starts a group at once (after the current turn of the event loop, so that
 * requests read in the same turn go together); a busy one lets the group grow meanwhile. What the
 * group writes and which of its requests fail is `write`'s affair: it answers each request.
 */
export type Answer<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /** Groups written at the same time (each holds a database connection). */
  concurrency: number;
  /** Requests in one group at most. */
  max: number;
}

export class GroupCommit<Request, Result> {
  readonly #waiting: { request: Request; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  #running = 0;
  #scheduled = false;
  /** Groups written so far, the requests in them, the largest (what a test reads of the grouping). */
  readonly written = { groups: 0, requests: 0, largest: 0 };

  readonly #write: (requests: Request[]) => Promise<Answer<Result>[]>;
  readonly #options: GroupCommitOptions;

  constructor(
    write: (requests: Request[]) => Promise<Answer<Result>[]>,
    options: GroupCommitOptions = { concurrency: 1, max: 64 },
  ) {
    this.#write = write;
    this.#options = options;
  }

  submit(request: Request): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ request, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.#options.concurrency || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#start();
    });
  }

  async #start(): Promise<void> {
    if (this.#running >= this.#options.concurrency || this.#waiting.length === 0) return;
    const group = this.#waiting.splice(0, this.#options.max);
    this.#running++;
    this.#schedule(); // another group may start beside this one
    this.written.groups++;
    this.written.requests += group.length;
    this.written.largest = Math.max(this.written.largest, group.length);
    try {
      const answers = await this.#write(group.map((g) => g.request));
      group.forEach((g, i) => {
        const answer = answers[i];
        if (answer?.ok) g.resolve(answer.value);
        else g.reject(answer ? answer.error : new Error('group commit: a request was left unanswered'));
      });
    } catch (error) {
      for (const g of group) g.reject(error);
    } finally {
      this.#running--;
      this.#schedule();
    }
  }
}
