/**
 * Guest dialysis at national scale, in one process over the real platform (HTTP, sessions, audit):
 *
 *  1. availability search: N synthetic centres in real communes (HCP 2024 centroids), each with
 *     guest chairs on Mon/Wed/Fri, Tue/Thu/Sat and every day (one isolation chair), slots derived
 *     `--days` ahead through scheduling; then `GET /api/dialysis/search` for two-week stays at
 *     random dates and towns, as a patient — p50/p95/p99 against a baseline measured in the same
 *     run (`GET /api/dialysis/places`, an authenticated route with one light query);
 *  2. series booking under contention: `--stays` sent requests per round compete for the same
 *     chair and shift; all acceptances fire at once; the count of winners and of Appointments
 *     holding the Slot must be exactly one (zero double bookings).
 *
 *   node bench/dialysis.ts [--centres 500] [--days 90] [--requests 300] [--concurrency 4] [--rounds 5] [--stays 8]
 *                          [--backend pglite|postgres] [--quick] [--cpu-profile file.cpuprofile]
 *
 * `--cpu-profile` writes the V8 CPU profile of the search phase alone (the server runs in this process;
 * open it in Chrome's DevTools, or sum its self time by function).
 *
 * Prints Markdown tables and writes bench/results/dialysis-<timestamp>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Bundle, Schedule } from '@medplum/fhirtypes';
import { DemoBundleBuilder } from '../packages/server/src/demo/bundle-builder.ts';
import { CommuneSampler } from '../packages/server/src/demo/patients.ts';
import { deriveSeed, Random } from '../packages/server/src/demo/random.ts';
import { loadReferenceData, placeOf } from '../packages/server/src/demo/reference-data.ts';
import { addCentre } from '../packages/server/src/modules/dialysis/network.ts';
import { addDays, localDate } from '../packages/server/src/modules/scheduling/calendar.ts';
import { materializeSchedules } from '../packages/server/src/modules/scheduling/materialize.ts';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { addDialysisPatient, addPractitioner, addTestCentre } from '../tests/support/dialysis-world.ts';
import { type Person, signIn } from '../tests/support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from '../tests/support/server.ts';
import { Histogram } from './load.ts';

const { values: flags } = parseArgs({
  options: {
    centres: { type: 'string' },
    days: { type: 'string' },
    requests: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    stays: { type: 'string', default: '8' },
    backend: { type: 'string', default: 'pglite' },
    quick: { type: 'boolean', default: false },
    'cpu-profile': { type: 'string' },
  },
});
const quick = flags.quick === true;
const CENTRES = Number(flags.centres ?? (quick ? 100 : 500));
const DAYS = Number(flags.days ?? (quick ? 30 : 90));
const REQUESTS = Number(flags.requests ?? (quick ? 100 : 300));
const CONCURRENCY = Number(flags.concurrency);
const ROUNDS = Number(flags.rounds);
const STAYS = Number(flags.stays);
const log = (m: string) =>
  process.stderr.write(`[bench dialysis ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** N synthetic centres in communes drawn by population, in bundles of 50 centres. */
async function seedCentres(server: TestServer): Promise<{ schedules: Schedule[]; towns: string[] }> {
  const data = loadReferenceData();
  const sampler = new CommuneSampler(data);
  const rng = new Random(deriveSeed(2026, 7));
  const schedules: Schedule[] = [];
  const towns = new Set<string>();
  for (let start = 0; start < CENTRES; start += 50) {
    const builder = new DemoBundleBuilder(new Random(deriveSeed(2026, 100 + start)));
    for (let i = start; i < Math.min(CENTRES, start + 50); i++) {
      const commune = sampler.draw(rng);
      towns.add(commune.nameFr);
      addCentre(builder, {
        name: `Centre de dialyse synthétique ${i + 1} — ${commune.nameFr}`,
        address: { ...placeOf(data, commune), country: 'MA' },
        position: { latitude: commune.latitude as number, longitude: commune.longitude as number },
        languages: rng.chance(0.3) ? ['ary', 'ar', 'fr', 'zgh'] : ['ary', 'ar', 'fr'],
        coverages: ['cnss', 'cnops', 'amo-tadamon'],
        price: { value: 900, currency: 'MAD' },
        serologyWindowDays: 90,
        labsWindowDays: 60,
        minNoticeDays: 0,
        chairs: [
          { kind: 'standard', label: 'F1', days: ['mon', 'wed', 'fri'] },
          { kind: 'standard', label: 'F2', days: ['tue', 'thu', 'sat'] },
          { kind: 'standard', label: 'F3', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
          { kind: 'isolation', label: 'Isolement', days: ['mon', 'wed', 'fri'] },
        ],
      });
    }
    const res = await fhirFetch(server.fhirBase, '/', { method: 'POST', body: builder.build() });
    if (res.status !== 200) throw new Error(`centres refused: ${JSON.stringify(res.body).slice(0, 300)}`);
    schedules.push(
      ...((res.body as Bundle).entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is Schedule => r?.resourceType === 'Schedule'),
    );
  }
  return { schedules, towns: [...towns] };
}

const quantiles = (h: Histogram) => ({
  requests: h.count,
  meanMs: +(h.sumMs / Math.max(1, h.count)).toFixed(1),
  p50Ms: +h.quantile(0.5).toFixed(1),
  p95Ms: +h.quantile(0.95).toFixed(1),
  p99Ms: +h.quantile(0.99).toFixed(1),
  maxMs: +h.maxMs.toFixed(1),
});

/** `count` requests from `concurrency` workers, latencies in a histogram; errors counted. */
async function load(
  count: number,
  run: (i: number) => Promise<number>,
): Promise<{ h: Histogram; errors: number }> {
  const h = new Histogram();
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        const status = await run(i);
        h.record(performance.now() - t0);
        if (status !== 200) errors++;
      }
    }),
  );
  return { h, errors };
}

async function main(): Promise<void> {
  const pgServer = flags.backend === 'postgres' ? await startThrowawayPostgres() : undefined;
  if (pgServer) {
    process.env.SAHTI_TEST_DB = 'postgres';
    process.env.SAHTI_TEST_DATABASE_URL = pgServer.url;
  }
  const server = await startTestServer();
  try {
    log(`seeding ${CENTRES} centres`);
    const t0 = performance.now();
    const { schedules, towns } = await seedCentres(server);
    const seededMs = performance.now() - t0;
    log(`deriving ${DAYS} days of slots for ${schedules.length} chairs`);
    const t1 = performance.now();
    let slots = 0;
    for (let i = 0; i < schedules.length; i += 200) {
      const [made] = await materializeSchedules(
        server.platform.handler,
        server.platform.db,
        schedules.slice(i, i + 200),
        DAYS,
      );
      slots += made;
    }
    const derivedMs = performance.now() - t1;
    log(`${slots} slots in ${(derivedMs / 1000).toFixed(0)} s`);
    const home = await addTestCentre(server, { name: 'Centre de rattachement', city: 'Rabat', days: 1 });
    const nephro = await addPractitioner(server, home.organization, 'Bench', true);
    const patient = await signIn(
      server,
      ['patient'],
      await addDialysisPatient(server, {
        name: 'Bench',
        nephrologist: nephro,
        homeCentre: home.organization,
      }),
    );
    const rng = new Random(deriveSeed(2026, 9));
    const today = localDate(new Date());
    const searchUrl = () => {
      const arrival = addDays(today, rng.int(1, Math.max(1, DAYS - 15)));
      return `/api/dialysis/search?destination=${encodeURIComponent(rng.pick(towns))}&arrival=${arrival}&departure=${addDays(arrival, 13)}`;
    };
    // warm-up (code paths, caches, PGlite's first plans)
    for (let i = 0; i < 10; i++) await patient.call(searchUrl());
    const baseline = await load(
      REQUESTS,
      async () => (await patient.call('/api/dialysis/places?q=ag')).status,
    );
    let found = 0;
    const profiler = flags['cpu-profile'] ? await startProfiler() : undefined;
    const search = await load(REQUESTS, async () => {
      const res = await patient.call(searchUrl());
      if ((res.body?.results ?? []).some((r: { sessions: unknown[] }) => r.sessions.length > 0)) found++;
      return res.status;
    });
    if (profiler) writeFileSync(flags['cpu-profile'] as string, JSON.stringify(await profiler.stop()));
    log('contention rounds');
    const contention = await contend(server, home.organization, nephro);
    const result = {
      at: new Date().toISOString(),
      backend: server.backend,
      machine: { cpus: cpus().length, load: loadavg().map((x) => +x.toFixed(2)) },
      centres: CENTRES,
      chairs: schedules.length,
      days: DAYS,
      slots,
      seedSeconds: +(seededMs / 1000).toFixed(1),
      deriveSeconds: +(derivedMs / 1000).toFixed(1),
      concurrency: CONCURRENCY,
      baseline: { ...quantiles(baseline.h), errors: baseline.errors },
      search: { ...quantiles(search.h), errors: search.errors, withPlan: found },
      ratioP50: +(search.h.quantile(0.5) / baseline.h.quantile(0.5)).toFixed(2),
      contention,
    };
    const table = [
      `| ${server.backend}: ${CENTRES} centres, ${schedules.length} chairs, ${slots} slots over ${DAYS} days | requests | p50 ms | p95 ms | p99 ms | errors |`,
      '|---|---|---|---|---|---|',
      `| baseline GET /api/dialysis/places | ${result.baseline.requests} | ${result.baseline.p50Ms} | ${result.baseline.p95Ms} | ${result.baseline.p99Ms} | ${result.baseline.errors} |`,
      `| search, two-week stay (${found} with a plan) | ${result.search.requests} | ${result.search.p50Ms} | ${result.search.p95Ms} | ${result.search.p99Ms} | ${result.search.errors} |`,
      '',
      '| contention | rounds | stays per round | winners per round | Appointments holding the Slot | double bookings |',
      '|---|---|---|---|---|---|',
      `| one chair × shift, all acceptances at once | ${contention.rounds} | ${contention.stays} | ${contention.winners.join(', ')} | ${contention.holders.join(', ')} | ${contention.doubleBookings} |`,
    ].join('\n');
    console.log(table);
    const dir = join(import.meta.dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `dialysis-${result.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${file}`);
  } finally {
    await server.close();
    await pgServer?.stop();
  }
}

/** The V8 CPU profiler of this process (server and bench client), started now. */
async function startProfiler() {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      return profile;
    },
  };
}

/** Rounds of `STAYS` sent requests for the same chair and shift, all accepted at once. */
async function contend(server: TestServer, homeOrganization: string, nephro: string) {
  const winners: number[] = [];
  const holders: number[] = [];
  const today = localDate(new Date());
  for (let round = 0; round < ROUNDS; round++) {
    const centre = await addTestCentre(server, {
      name: `Centre disputé ${round}`,
      city: 'Dakhla',
      chairs: [{ kind: 'standard', label: 'Dernier fauteuil' }],
      days: 3,
    });
    const coordinator = await signIn(
      server,
      ['dialysis-coordinator'],
      await addPractitioner(server, centre.organization, `Coord ${round}`),
    );
    const nephrologist = await signIn(server, ['doctor'], nephro);
    const stays: string[] = [];
    for (let i = 0; i < STAYS; i++) {
      const patient: Person = await signIn(
        server,
        ['patient'],
        await addDialysisPatient(server, {
          name: `C${round}x${i}`,
          nephrologist: nephro,
          homeCentre: homeOrganization,
        }),
      );
      const draft = await patient.call('/api/dialysis/stays', {
        method: 'POST',
        body: { service: centre.service, arrival: today, departure: addDays(today, 1) },
      });
      await nephrologist.call(`/api/dialysis/stays/${draft.body.id}/approve`, { method: 'POST', body: {} });
      const sent = await patient.call(`/api/dialysis/stays/${draft.body.id}/send`, {
        method: 'POST',
        body: { shareSummary: true },
      });
      if (sent.status !== 200)
        throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body).slice(0, 300)}`);
      stays.push(draft.body.id);
    }
    const free = await coordinator.call(`/api/dialysis/stays/${stays[0]}/capacity`);
    // tomorrow is the patient's home dialysis day the guest session replaces: the rhythm holds at any
    // hour (a session today, while today's early shift is still bookable, would leave a long gap)
    const tomorrow = addDays(today, 1);
    const slot = (free.body.slots.find((s: { date: string }) => s.date === tomorrow) ?? free.body.slots[0])
      .slot;
    const results = await Promise.all(
      stays.map((id) =>
        coordinator.call(`/api/dialysis/stays/${id}/accept`, {
          method: 'POST',
          body: { sessions: [{ slot }] },
        }),
      ),
    );
    winners.push(results.filter((r) => r.status === 200).length);
    const held = await fhirFetch(server.fhirBase, `/Appointment?slot=${slot}&status=proposed,booked`);
    holders.push(held.body.entry?.length ?? 0);
    void homeOrganization;
  }
  return {
    rounds: ROUNDS,
    stays: STAYS,
    winners,
    holders,
    doubleBookings: holders.filter((n) => n > 1).length + winners.filter((n) => n > 1).length,
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
