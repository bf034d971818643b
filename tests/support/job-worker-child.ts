/**
 * A job worker in a process of its own, for the test that kills one mid-job (kill -9): it runs
 * `test.crash` jobs on DATABASE_URL, says `claimed <id>` on stdout and never finishes them.
 */
import { openDatabase } from '../../packages/server/src/db/index.ts';
import { createJobRunner, readJobSettings } from '../../packages/server/src/jobs/index.ts';

const databaseUrl = process.env.DATABASE_URL as string;
const db = await openDatabase({ databaseUrl });
const runner = createJobRunner({ db, databaseUrl, settings: readJobSettings(process.env) });
runner.register(
  'test.crash',
  async (_payload, job) => {
    process.stdout.write(`claimed ${job.id} attempt ${job.attempt}\n`);
    await new Promise(() => {}); // never ends: only kill -9 stops this worker
  },
  { heartbeatSeconds: 10, maxAttempts: 3, retryDelaySeconds: 1 },
);
await runner.start();
process.stdout.write('ready\n');
