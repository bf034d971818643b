import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Answer, GroupCommit } from './group-commit.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes the requests of one turn together, and those arriving during a write in the next group', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const commits = new GroupCommit<number, string>(
      async (requests) => {
        groups.push(requests);
        if (groups.length === 1) await new Promise<void>((r) => (release = r));
        return requests.map((n) => ({ ok: true, value: `done ${n}` }));
      },
      { concurrency: 1, max: 64 },
    );
    const first = [commits.submit(1), commits.submit(2)];
    await tick();
    await tick();
    // the first group is being written: these wait for the next one
    const second = [commits.submit(3), commits.submit(4), commits.submit(5)];
    await tick();
    assert.deepEqual(groups, [[1, 2]]);
    release();
    assert.deepEqual(await Promise.all([...first, ...second]), [
      'done 1',
      'done 2',
      'done 3',
      'done 4',
      'done 5',
    ]);
    assert.deepEqual(groups, [
      [1, 2],
      [3, 4, 5],
    ]);
    assert.deepEqual(commits.written, { groups: 2, requests: 5, largest: 3 });
  });

  it('answers each request with its own outcome; a failed write fails its group only', async () => {
    let calls = 0;
    const commits = new GroupCommit<number, number>(
      async (requests) => {
        calls++;
        if (requests.includes(13)) throw new Error('the database went away');
        return requests.map(
          (n): Answer<number> =>
            n % 2 ? { ok: true, value: n * 10 } : { ok: false, error: new Error(`refused ${n}`) },
        );
      },
      { concurrency: 1, max: 2 },
    );
    const answers = await Promise.allSettled([1, 2, 3, 13, 5].map((n) => commits.submit(n)));
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)),
      [10, 'refused 2', 'the database went away', 'the database went away', 50],
    );
    assert.equal(calls, 3, 'groups of at most 2');
  });

  it('writes up to `concurrency` groups at the same time', async () => {
    let running = 0;
    let most = 0;
    const commits = new GroupCommit<number, number>(
      async (requests) => {
        running++;
        most = Math.max(most, running);
        await tick();
        await tick();
        running--;
        return requests.map((n) => ({ ok: true, value: n }));
      },
      { concurrency: 2, max: 1 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((n) => commits.submit(n)));
    assert.equal(most, 2);
  });
});
