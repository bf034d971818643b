/**
 * Bookings of one slot in this process, one after the other. The database decides who wins (the
 * write hook locks the Slot's row); this queue only keeps the others from waiting on that lock
 * inside a transaction, each holding a pooled connection the winner may need. Once the one ahead
 * has committed, the next reads the slot's committed state and is refused without a transaction —
 * or, when the one ahead booked the slot, is refused at once: it was waiting while that booking
 * committed, so it lost the race to it, whatever happens to the slot afterwards (a cancellation
 * frees it for those who ask after it). Other processes (a second server) still meet at the row lock.
 */
export class SlotQueue {
  readonly #queues = new Map<string, { tail: Promise<void>; takenAt: number }>();
  /** Orders arrivals and bookings won: a waiter that arrived before a win of its slot lost. */
  #clock = 0;

  /**
   * Runs `work` once the bookings of this slot ahead of it are answered. With `taken`, a `work`
   * that succeeds has taken the slot: those already waiting behind it get `taken()` without running.
   */
  run<T>(slotId: string, work: () => Promise<T>, taken?: () => Error): Promise<T> {
    const arrived = ++this.#clock;
    const queue = this.#queues.get(slotId) ?? { tail: Promise.resolve(), takenAt: 0 };
    const result = queue.tail.then(async () => {
      if (queue.takenAt > arrived && taken) throw taken();
      const done = await work();
      if (taken) queue.takenAt = ++this.#clock;
      return done;
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    queue.tail = tail;
    this.#queues.set(slotId, queue);
    void tail.then(() => {
      if (queue.tail === tail) this.#queues.delete(slotId);
    });
    return result;
  }

  /** Slots with a booking running or waiting (for tests: none left once all are answered). */
  get size(): number {
    return this.#queues.size;
  }
}
