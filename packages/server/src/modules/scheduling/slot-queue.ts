/**
 * Bookings of one slot in this process, one after the other. The database decides who wins (the
 * write hook locks the Slot's row); this queue only keeps the others from waiting on that lock
 * inside a transaction, each holding a pooled connection the winner may need. Once the one ahead
 * has committed, the next reads the slot's committed state and is refused without a transaction.
 * Other processes (a second server) still meet at the row lock.
 */
export class SlotQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(slotId: string, work: () => Promise<T>): Promise<T> {
    const ahead = this.#tails.get(slotId) ?? Promise.resolve();
    const result = ahead.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(slotId, tail);
    void tail.then(() => {
      if (this.#tails.get(slotId) === tail) this.#tails.delete(slotId);
    });
    return result;
  }

  /** Slots with a booking running or waiting (for tests: none left once all are answered). */
  get size(): number {
    return this.#tails.size;
  }
}
