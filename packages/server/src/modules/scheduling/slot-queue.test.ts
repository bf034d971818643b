import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlotQueue } from './slot-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SlotQueue', () => {
  it('runs the bookings of one slot one after the other, in arrival order', async () => {
    const queue = new SlotQueue();
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      await tick();
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      queue.run('s1', work('a')),
      queue.run('s1', work('b')),
      queue.run('s1', work('c')),
    ]);
    assert.deepEqual(results, ['a', 'b', 'c']);
    assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
    assert.equal(queue.size, 0, 'nothing is kept once every booking is answered');
  });

  it('runs the bookings of different slots side by side', async () => {
    const queue = new SlotQueue();
    const events: string[] = [];
    const work = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
    };
    await Promise.all([queue.run('s1', work('a')), queue.run('s2', work('b'))]);
    assert.deepEqual(events, ['a start', 'b start', 'a end', 'b end']);
  });

  it('a refused booking does not hold up the next one, and its refusal reaches its caller', async () => {
    const queue = new SlotQueue();
    const refused = queue.run('s1', async () => {
      throw new Error('taken');
    });
    const next = queue.run('s1', async () => 'booked');
    await assert.rejects(refused, /taken/);
    assert.equal(await next, 'booked');
    await tick();
    assert.equal(queue.size, 0);
  });

  it('a booking that takes the slot refuses those waiting behind it, not those who come after', async () => {
    const queue = new SlotQueue();
    const ran: string[] = [];
    const taken = () => new Error('taken');
    const work = (name: string) => async () => {
      ran.push(name);
      await tick();
      return name;
    };
    const first = queue.run('s1', work('a'), taken);
    const waiting = [queue.run('s1', work('b'), taken), queue.run('s1', work('c'), taken)];
    assert.equal(await first, 'a');
    for (const w of waiting) await assert.rejects(w, /taken/);
    assert.deepEqual(ran, ['a'], 'the losers ran nothing');
    // asked after the win was answered (the slot may have been freed since): it runs
    assert.equal(await queue.run('s1', work('d'), taken), 'd');
    // a refusal takes nothing: the one behind it runs
    const refused = queue.run(
      's1',
      async () => {
        throw new Error('refused');
      },
      taken,
    );
    const next = queue.run('s1', work('e'), taken);
    await assert.rejects(refused, /refused/);
    assert.equal(await next, 'e');
    await tick();
    assert.equal(queue.size, 0);
  });
});
