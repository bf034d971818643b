/**
 * Booking at national scale: finding a free time among thousands of practitioners, and booking
 * under contention on one popular practitioner — each against a baseline measured in the same run.
 *
 *   node bench/scheduling.ts [--backend postgres|pglite] [--practitioners 2000] [--days 60]
 *                            [--seconds 8] [--concurrency 4] [--booking-workers 12,96] [--quick]
 *                            [--profile <dir>] [--statements]
 *
 * Data, through the server's FHIR API in transaction bundles (PUT with ids, so the whole import
 * is what a directory feed would send): Organizations and Locations in real communes (HCP 2024),
 * Practitioners with specialty, languages and fee, PractitionerRoles, in-person Schedules (a third
 * also video) with the demo's weekly templates, and every free Slot of the coming `days` derived by
 * the module's own template code; one "hot" practitioner with a slot every 3 minutes from 07:00 to
 * 21:00; patients to book for. The Slots' projection (sched_slot) is filled by the module's write
 * hook, as in production.
 *
 * Find (closed loop, `concurrency` clients): the public directory search, FHIR `Slot/$find`, and
 * baselines: the projection query itself (find.ts availabilityByPractitioner, no HTTP), and a plain
 * FHIR read of one Slot. Booking: clients racing three to a slot on the hot practitioner (exactly
 * one may win) — once per number of clients in `--booking-workers` (default `concurrency` × 3 and
 * × 24: the same contention per slot, more slots in flight), each race on its own share of the hot
 * slots —, against a plain `POST Appointment` without a slot (the same
 * write and notices, no slot rule) and the raw-SQL floor of a race-safe booking (UPDATE … WHERE
 * status = 'free' on a table of its own). At the end, Appointments are counted per Slot: a double
 * booking fails the run.
 *
 * Prints Markdown tables and writes bench/results/scheduling-<timestamp>.json (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../packages/server/src/db/index.ts';
import { loadReferenceData, placeOf } from '../packages/server/src/demo/reference-data.ts';
import {
  availabilityByPractitioner,
  availabilityQuery,
  freeSlots,
} from '../packages/server/src/modules/scheduling/find.ts';
import { slotId } from '../packages/server/src/modules/scheduling/materialize.ts';
import { SCHEDULING_MIGRATIONS } from '../packages/server/src/modules/scheduling/migrations.ts';
import {
  deriveSlots,
  type Session,
  templateExtension,
  type WeeklyTemplate,
} from '../packages/server/src/modules/scheduling/template.ts';
import {
  FEE_URL,
  LANGUAGES,
  modeConcept,
  SPECIALTIES,
  specialtyConcept,
} from '../packages/server/src/modules/scheduling/terms.ts';
import { startThrowawayPostgres } from '../scripts/pg-throwaway.ts';
import { cumulativeDatabaseCpuMs, monotonicUs, processCpuMs } from './cpu.ts';
import { patient } from './generate.ts';
import { HttpClient } from './http.ts';
import { type LoadResult, runLoad } from './load.ts';
import { type ServerProcess, startServer } from './server-process.ts';

const { values: flags } = parseArgs({
  options: {
    backend: { type: 'string', default: 'postgres' },
    practitioners: { type: 'string' },
    days: { type: 'string' },
    seconds: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    'booking-workers': { type: 'string' },
    quick: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    profile: { type: 'string' },
    statements: { type: 'boolean', default: false },
  },
});
const QUICK = flags.quick;
const PRACTITIONERS = Number(flags.practitioners ?? (QUICK ? 200 : 2000));
const DAYS = Number(flags.days ?? (QUICK ? 14 : 60));
const SECONDS = Number(flags.seconds ?? (QUICK ? 4 : 8));
const CONCURRENCY = Number(flags.concurrency);
/** Clients of each booking race (one race per number): the first also drives the baselines. */
const RACES = String(flags['booking-workers'] ?? `${CONCURRENCY * 3},${CONCURRENCY * 24}`)
  .split(',')
  .map(Number);
if (RACES.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error('--booking-workers: client counts, e.g. 12,96');
const BOOKING_WORKERS = RACES[0];
const PATIENTS = QUICK ? 300 : 2000;
const BUNDLE = 1000;
const IMPORT_CLIENTS = 3;
const CONTENDERS = 3; // clients racing for each slot
const system = { clientId: 'bench-scheduling', secret: 'bench-scheduling-secret-0123456789' };
const log = (m: string) =>
  process.stderr.write(`[bench scheduling ${new Date().toISOString().slice(11, 19)}] ${m}\n`);

// ---- a deterministic world -------------------------------------------------------------------------

/** A small PRNG (mulberry32): the same flags, the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rng = random(2026);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)];
const WEIGHTS: [string, number][] = [
  ['general-practice', 34],
  ['pediatrics', 8],
  ['gynecology-obstetrics', 8],
  ['cardiology', 6],
  ['endocrinology', 5],
  ['dermatology', 5],
  ['ent', 4],
  ['pulmonology', 4],
  ['ophthalmology', 5],
  ['psychiatry', 3],
  ['rheumatology', 3],
  ['gastroenterology', 4],
  ['neurology', 3],
  ['urology', 3],
  ['nephrology', 5],
];
function weighted(): string {
  let x = rng() * WEIGHTS.reduce((n, [, w]) => n + w, 0);
  for (const [key, w] of WEIGHTS) {
    if (x < w) return key;
    x -= w;
  }
  return WEIGHTS[0][0];
}
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const sessions = (days: readonly string[], start: string, end: string): Session[] =>
  days.map((day) => ({ day: day as Session['day'], start, end }));
const GIVEN = ['Amina', 'Youssef', 'Khadija', 'Omar', 'Salma', 'Hamza', 'Nadia', 'Karim', 'Rim', 'Anas'];
const FAMILY = ['Alaoui', 'Bennani', 'Tazi', 'El Idrissi', 'Berrada', 'Chraibi', 'Fassi', 'Amrani', 'Sbai'];

interface World {
  entries: unknown[];
  slots: unknown[];
  /** Place names a patient would type: communes in French and Arabic, provinces, regions, shorthand. */
  places: string[];
  hotSlots: string[];
  slotIds: string[];
}

function buildWorld(now: Date): World {
  const data = loadReferenceData();
  const until = new Date(now.getTime() + DAYS * 86_400_000);
  const communes = [...data.communes]
    .filter((c) => c.urban)
    .sort((a, b) => b.population - a.population)
    .slice(0, 150);
  const entries: unknown[] = [];
  const slots: unknown[] = [];
  const slotIds: string[] = [];
  const put = (resource: { resourceType: string; id: string }) =>
    entries.push({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
  const slotsOf = (schedule: string, template: WeeklyTemplate, extra: Record<string, unknown>) => {
    for (const s of deriveSlots(template, now, until)) {
      const id = slotId(schedule, s.start);
      slotIds.push(id);
      slots.push({
        resource: {
          resourceType: 'Slot',
          id,
          schedule: { reference: `Schedule/${schedule}` },
          status: 'free',
          start: s.start.toISOString(),
          end: s.end.toISOString(),
          ...extra,
        },
        request: { method: 'PUT', url: `Slot/${id}` },
      });
    }
  };
  const facilities = Math.ceil(PRACTITIONERS / 4);
  for (let f = 0; f < facilities; f++) {
    // communes weighted by where people live: the big cities get more practices
    const commune = communes[Math.floor(communes.length * rng() ** 2)];
    const address = { use: 'work', type: 'physical', ...placeOf(data, commune), country: 'MA' };
    put({
      resourceType: 'Organization',
      id: `bo-${f}`,
      name: `Cabinet ${commune.nameFr} ${f}`,
      address: [address],
    } as never);
    put({
      resourceType: 'Location',
      id: `bl-${f}`,
      status: 'active',
      name: `Cabinet ${commune.nameFr} ${f}`,
      address,
      managingOrganization: { reference: `Organization/bo-${f}` },
    } as never);
  }
  for (let i = 0; i < PRACTITIONERS; i++) {
    const facility = i % facilities;
    const specialty = weighted();
    const general = specialty === 'general-practice';
    const languages = [
      'ary',
      'ar',
      ...(rng() < 0.85 ? ['fr'] : []),
      ...(rng() < 0.2 ? ['zgh'] : []),
      ...(rng() < 0.25 ? ['en'] : []),
    ];
    const given = pick(GIVEN);
    const family = pick(FAMILY);
    put({
      resourceType: 'Practitioner',
      id: `bp-${i}`,
      active: true,
      name: [{ use: 'official', text: `Dr ${given} ${family}`, prefix: ['Dr'], given: [given], family }],
      communication: languages.map((code) => ({ coding: [{ system: 'urn:ietf:bcp:47', code }] })),
    } as never);
    put({
      resourceType: 'PractitionerRole',
      id: `br-${i}`,
      active: true,
      practitioner: { reference: `Practitioner/bp-${i}` },
      organization: { reference: `Organization/bo-${facility}` },
      location: [{ reference: `Location/bl-${facility}` }],
      specialty: [specialtyConcept(specialty)],
      extension: [{ url: FEE_URL, valueMoney: { value: general ? 200 : 350, currency: 'MAD' } }],
    } as never);
    const saturday = rng() < 0.4;
    const inPerson: WeeklyTemplate = {
      slotMinutes: general ? 20 : 30,
      sessions: [
        ...sessions(WEEKDAYS, '09:00', '12:30'),
        ...sessions(
          WEEKDAYS.filter(() => rng() < 0.8),
          '14:30',
          '18:00',
        ),
        ...(saturday ? sessions(['sat'], '09:00', '12:30') : []),
      ],
      ramadanSessions: sessions(WEEKDAYS, '10:00', '15:00'),
      exceptions: [],
      closedOnHolidays: true,
    };
    const schedule = (id: string, mode: 'in-person' | 'video', template: WeeklyTemplate) => {
      put({
        resourceType: 'Schedule',
        id,
        active: true,
        serviceType: [modeConcept(mode)],
        specialty: [specialtyConcept(specialty)],
        actor: [
          { reference: `PractitionerRole/br-${i}` },
          { reference: `Practitioner/bp-${i}` },
          ...(mode === 'in-person' ? [{ reference: `Location/bl-${facility}` }] : []),
        ],
        extension: [templateExtension(template)],
      } as never);
      slotsOf(id, template, { serviceType: [modeConcept(mode)], specialty: [specialtyConcept(specialty)] });
    };
    schedule(`bs-${i}`, 'in-person', inPerson);
    if (i % 3 === 0) {
      const evenings = WEEKDAYS.filter(() => rng() < 0.5);
      schedule(`bv-${i}`, 'video', {
        slotMinutes: 20,
        sessions: sessions(evenings.length ? evenings : ['tue', 'thu'], '18:30', '20:30'),
        exceptions: [],
        closedOnHolidays: true,
      });
    }
  }
  // the popular practitioner: a slot every 5 minutes, every day, 07:00–21:00
  put({
    resourceType: 'Practitioner',
    id: 'bp-hot',
    active: true,
    name: [{ text: 'Dr Populaire', family: 'Populaire' }],
  } as never);
  put({
    resourceType: 'PractitionerRole',
    id: 'br-hot',
    active: true,
    practitioner: { reference: 'Practitioner/bp-hot' },
    location: [{ reference: 'Location/bl-0' }],
    specialty: [specialtyConcept('dermatology')],
  } as never);
  const hot: WeeklyTemplate = {
    slotMinutes: 3,
    sessions: sessions(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], '07:00', '21:00'),
    exceptions: [],
    closedOnHolidays: false,
  };
  put({
    resourceType: 'Schedule',
    id: 'bs-hot',
    active: true,
    serviceType: [modeConcept('in-person')],
    actor: [
      { reference: 'PractitionerRole/br-hot' },
      { reference: 'Practitioner/bp-hot' },
      { reference: 'Location/bl-0' },
    ],
    extension: [templateExtension(hot)],
  } as never);
  const before = slots.length;
  slotsOf('bs-hot', hot, {});
  // bookable: at least an hour ahead (the booking notice is 30 minutes)
  const soonest = now.getTime() + 3_600_000;
  const hotSlots = slots
    .slice(before)
    .map((e) => (e as { resource: { id: string; start: string } }).resource)
    .filter((s) => Date.parse(s.start) > soonest)
    .map((s) => s.id);
  for (let p = 0; p < PATIENTS; p++) put({ ...patient(p), id: `bpat-${p}` } as never);
  const places = [
    ...communes.slice(0, 40).flatMap((c) => [c.nameFr, c.nameAr]),
    ...[...data.regions.values()].map((r) => r.nameFr),
    'casa',
    'Casa',
    'الدار البيضاء',
    'rabat',
    'Marrakesh',
    'fez',
  ];
  return { entries, slots, places, hotSlots, slotIds };
}

// ---- the run -----------------------------------------------------------------------------------------

interface Row {
  phase: 'find' | 'booking';
  operation: string;
  kind: 'measured' | 'baseline';
  result: LoadResult;
  cpuMsPerRequest?: number;
  note?: string;
}

async function importBundles(client: HttpClient, label: string, entries: unknown[]): Promise<number> {
  const bundles = Math.ceil(entries.length / BUNDLE);
  const t0 = performance.now();
  let done = 0;
  const result = await runLoad(
    { concurrency: IMPORT_CLIENTS, maxRequests: bundles, maxMs: 6 * 3_600_000, graceMs: 600_000 },
    async (i) => {
      const res = await client.send('POST', '/fhir/R4', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: entries.slice(i * BUNDLE, (i + 1) * BUNDLE),
      });
      if (++done % Math.max(1, Math.round(bundles / 20)) === 0)
        log(
          `${label}: ${done}/${bundles} bundles (${((done * BUNDLE) / ((performance.now() - t0) / 1000)).toFixed(0)} resources/s)`,
        );
      return res.status === 200 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 300)}`;
    },
  );
  if (result.errors > 0)
    throw new Error(`${label}: ${result.errors} bundles refused: ${result.errorSamples[0]}`);
  const seconds = (performance.now() - t0) / 1000;
  log(
    `${label}: ${entries.length} resources in ${seconds.toFixed(0)} s (${(entries.length / seconds).toFixed(0)}/s)`,
  );
  return entries.length / seconds;
}

function findQuery(i: number, places: string[]): Record<string, string> {
  const r = random(i + 1);
  const q: Record<string, string> = {};
  if (r() < 0.85) q.specialty = SPECIALTIES[Math.floor(r() * SPECIALTIES.length)].key;
  if (r() < 0.75 || !q.specialty) q.place = places[Math.floor(r() * places.length)];
  if (r() < 0.2) q.language = LANGUAGES[Math.floor(r() * LANGUAGES.length)].code;
  if (r() < 0.2) q.mode = r() < 0.5 ? 'video' : 'in-person';
  return q;
}
const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

function cpuNow(s: ServerProcess, database: string | undefined): number {
  const { server, db } = cpuParts(s, database);
  return server + db;
}

/** CPU ms so far of the server process and of the database's backends. */
function cpuParts(s: ServerProcess, database: string | undefined): { server: number; db: number } {
  let db = 0;
  if (database) db += cumulativeDatabaseCpuMs(database);
  return { server: processCpuMs(s.pid), db };
}

/** --statements: forget what pg_stat_statements counted so far. */
async function resetStatements(pool: pg.Pool | undefined): Promise<void> {
  if (!flags.statements || !pool) return;
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await pool.query('SELECT pg_stat_statements_reset()');
}

/** --statements: the statements since the reset, per unit of work, the costliest first. */
async function printStatements(pool: pg.Pool | undefined, label: string, units: number): Promise<void> {
  if (!flags.statements || !pool || units === 0) return;
  const { rows } = await pool.query<{
    calls: string;
    ms: number;
    plan_ms: number;
    plans: string;
    query: string;
  }>(
    `SELECT calls, total_exec_time + total_plan_time AS ms, total_plan_time AS plan_ms, plans, query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT LIKE '%pg_stat_statements%'
      ORDER BY ms DESC`,
  );
  const calls = rows.reduce((n, r) => n + Number(r.calls), 0);
  const ms = rows.reduce((n, r) => n + r.ms, 0);
  console.log(
    `\n### Statements: ${label} — ${units} units, ${(calls / units).toFixed(1)} statements and ${(ms / units).toFixed(2)} ms of planning and execution each\n`,
  );
  console.log(
    '| calls / unit | ms / unit | of which planning | plans / unit | statement |\n|---:|---:|---:|---:|---|',
  );
  for (const r of rows.slice(0, 20))
    console.log(
      `| ${(Number(r.calls) / units).toFixed(2)} | ${(r.ms / units).toFixed(3)} | ${(r.plan_ms / units).toFixed(3)} | ${(Number(r.plans) / units).toFixed(2)} | ${r.query.replace(/\s+/g, ' ').slice(0, 110).replaceAll('|', '\\|')} |`,
    );
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'sahti-bench-scheduling-'));
  // --statements: what each booking asks of the database (pg_stat_statements, PostgreSQL only)
  const postgres =
    flags.backend === 'postgres'
      ? await startThrowawayPostgres(
          flags.statements
            ? [
                'shared_preload_libraries=pg_stat_statements',
                'pg_stat_statements.track=all',
                'pg_stat_statements.track_planning=on',
              ]
            : [],
        )
      : undefined;
  if (flags.backend === 'postgres' && !postgres)
    throw new Error('no PostgreSQL binaries for --backend postgres');
  const databaseName = postgres ? 'sahti_bench_scheduling' : undefined;
  let databaseUrl: string | undefined;
  let floorUrl: string | undefined;
  if (postgres) {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${databaseName}`);
    await admin.query('CREATE DATABASE sahti_bench_scheduling_floor');
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = `/${databaseName}`;
    databaseUrl = url.toString();
    url.pathname = '/sahti_bench_scheduling_floor';
    floorUrl = url.toString();
  }
  const dataDir = postgres ? undefined : join(tmp, 'data');
  const rows: Row[] = [];
  const meta: Record<string, unknown> = {};
  let server: ServerProcess | undefined;
  try {
    const now = new Date();
    const world = buildWorld(now);
    meta.resources = world.entries.length;
    meta.slots = world.slots.length;
    meta.hotSlots = world.hotSlots.length;
    log(
      `${PRACTITIONERS} practitioners, ${DAYS} days: ${world.entries.length} directory resources and patients, ${world.slots.length} slots (${world.hotSlots.length} bookable of the hot practitioner)`,
    );
    server = await startServer({
      ...(dataDir ? { dataDir } : { databaseUrl }),
      logDir: tmp,
      access: { on: true, ...system },
      env: {
        SAHTI_AUDIT_ANCHOR_MINUTES: '0',
        SAHTI_SMS_PROVIDER: 'none',
        // a V8 CPU profile of the server (summed by `node bench/access.ts --summarise <file>`)
        ...(flags.profile ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${flags.profile}` } : {}),
      },
    });
    const client = new HttpClient(server.port, Math.max(...RACES, IMPORT_CLIENTS), system);
    meta.importDirectoryPerSecond = await importBundles(client, 'directory', world.entries);
    meta.importSlotsPerSecond = await importBundles(client, 'slots', world.slots);
    const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY }) : undefined;
    if (pool) {
      // what autovacuum would do after such an import; the planner needs the tables' sizes
      await pool.query('ANALYZE');
      const n = await pool.query<{ n: string }>("SELECT count(*) AS n FROM sched_slot WHERE status = 'free'");
      meta.freeSlotsProjected = Number(n.rows[0].n);
    }
    const load = { concurrency: CONCURRENCY, maxRequests: 100_000, maxMs: SECONDS * 1000, graceMs: 120_000 };
    const measure = async (
      phase: Row['phase'],
      operation: string,
      kind: Row['kind'],
      op: (i: number) => Promise<string | undefined>,
      options = load,
      note?: string,
    ) => {
      await runLoad({ ...options, maxRequests: 100, maxMs: 1500 }, op); // warm-up
      const cpu = server ? cpuNow(server, databaseName) : 0;
      const from = monotonicUs();
      const result = await runLoad(options, op);
      if (flags.profile) log(`${operation}: profile window ${from}-${monotonicUs()}`);
      const cpuMs = server ? cpuNow(server, databaseName) - cpu : 0;
      rows.push({
        phase,
        operation,
        kind,
        result,
        cpuMsPerRequest: cpuMs / Math.max(1, result.requests),
        ...(note ? { note } : {}),
      });
      log(
        `${operation}: ${result.perSecond.toFixed(0)}/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.errors} errors${result.errorSamples[0] ? ` (${result.errorSamples[0].slice(0, 160)})` : ''}`,
      );
      return result;
    };

    // ---- find
    let offset = 0;
    const expect200 = (res: { status: number; body: string }) =>
      res.status === 200 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 200)}`;
    await measure('find', 'directory search (GET /api/scheduling/search)', 'measured', async (i) =>
      expect200(
        await client.send(
          'GET',
          `/api/scheduling/search?${qs(findQuery(offset + i, world.places))}&_count=20`,
        ),
      ),
    );
    offset += 100_000;
    await measure('find', 'FHIR Slot/$find (_count=20)', 'measured', async (i) => {
      const q = findQuery(offset + i, world.places);
      const code = SPECIALTIES.find((s) => s.key === q.specialty)?.code;
      return expect200(
        await client.send(
          'GET',
          `/fhir/R4/Slot/$find?${qs({ ...q, ...(code ? { specialty: code } : {}) })}&_count=20`,
        ),
      );
    });
    await measure('find', 'plain read (GET /fhir/R4/Slot/:id)', 'baseline', async (i) =>
      expect200(
        await client.send('GET', `/fhir/R4/Slot/${world.slotIds[(i * 7919) % world.slotIds.length]}`),
      ),
    );
    const projection = async (
      db: { query: (text: string, params?: unknown[]) => Promise<{ rows: unknown[] }> },
      i: number,
    ) => {
      const params = new URLSearchParams(findQuery(i, world.places));
      const q = availabilityQuery({ get: (name) => params.get(name) ?? undefined });
      if (Array.isArray(q)) return `bad query ${JSON.stringify(q)}`;
      await availabilityByPractitioner(db as never, q, { limit: 20, perPractitioner: 3 });
      return undefined;
    };
    if (pool) {
      await measure('find', 'projection query alone (SQL, no HTTP)', 'baseline', (i) => projection(pool, i));
      // what $find runs before reading the FHIR resources of its page
      await measure('find', 'free-slot query alone ($find, _count=20, SQL)', 'baseline', async (i) => {
        const params = new URLSearchParams(findQuery(100_000 + i, world.places));
        const q = availabilityQuery({ get: (name) => params.get(name) ?? undefined });
        if (Array.isArray(q)) return `bad query ${JSON.stringify(q)}`;
        await freeSlots(pool as never, q, 20);
        return undefined;
      });
    }

    // ---- booking on the hot practitioner
    let won = 0;
    let lost = 0;
    const bookedSlots: string[] = [];
    /** Books the slots of `hot` (their share of the hot slots), three clients to a slot. */
    const booker = (hot: string[]) => async (i: number) => {
      const slot = hot[Math.floor(i / CONTENDERS)];
      if (!slot) return 'out of slots';
      const res = await client.send(
        'POST',
        '/api/scheduling/book',
        JSON.stringify({ slot: `Slot/${slot}`, patient: `Patient/bpat-${i % PATIENTS}` }),
        { 'content-type': 'application/json' },
      );
      if (res.status === 201) {
        won++;
        bookedSlots.push(slot);
      } else if (res.status === 409) lost++;
      else return `HTTP ${res.status} ${res.body.slice(0, 200)}`;
      return undefined;
    };
    const share = Math.floor(world.hotSlots.length / RACES.length);
    const bookingLoad = {
      concurrency: BOOKING_WORKERS,
      maxRequests: share * CONTENDERS,
      maxMs: SECONDS * 1000,
      graceMs: 120_000,
    };
    // no warm-up for the race itself: every slot is booked once only (the warm-up of the plain
    // create below warms the same paths)
    const create = async (i: number) => {
      const start = new Date(now.getTime() + 86_400_000 * (DAYS + 1) + i * 60_000).toISOString();
      const res = await client.send(
        'POST',
        '/fhir/R4/Appointment',
        {
          resourceType: 'Appointment',
          status: 'booked',
          start,
          end: new Date(Date.parse(start) + 300_000).toISOString(),
          participant: [
            { actor: { reference: `Patient/bpat-${i % PATIENTS}` }, status: 'accepted' },
            { actor: { reference: 'Practitioner/bp-hot' }, status: 'accepted' },
          ],
        },
        { prefer: 'return=minimal' },
      );
      return res.status === 201 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 200)}`;
    };
    const appointments = async () =>
      pool
        ? Number(
            (await pool.query(`SELECT count(*) AS n FROM resource WHERE resource_type = 'Appointment'`))
              .rows[0].n,
          )
        : 0;
    await resetStatements(pool);
    const before = await appointments();
    await measure('booking', 'plain create (POST Appointment, no slot)', 'baseline', create, {
      ...bookingLoad,
      maxRequests: 100_000,
    });
    await printStatements(pool, 'plain create (its warm-up included)', (await appointments()) - before);
    const races: Record<string, unknown>[] = [];
    for (const [r, workers] of RACES.entries()) {
      await resetStatements(pool);
      const wonBefore = won;
      const lostBefore = lost;
      const t0 = performance.now();
      const cpu0 = cpuParts(server, databaseName);
      const raceFrom = monotonicUs();
      const race = await runLoad(
        { ...bookingLoad, concurrency: workers },
        booker(world.hotSlots.slice(r * share, (r + 1) * share)),
      );
      if (flags.profile) log(`race ${workers}: profile window ${raceFrom}-${monotonicUs()}`);
      const cpu1 = cpuParts(server, databaseName);
      const raceCpu = cpu1.server + cpu1.db - cpu0.server - cpu0.db;
      const raceWon = won - wonBefore;
      const raceLost = lost - lostBefore;
      const serverMs = (cpu1.server - cpu0.server) / Math.max(1, raceWon);
      const dbMs = (cpu1.db - cpu0.db) / Math.max(1, raceWon);
      log(
        `race ${workers}: CPU per booking won: server ${serverMs.toFixed(2)} ms, database ${dbMs.toFixed(2)} ms`,
      );
      const raceSeconds = (performance.now() - t0) / 1000;
      const perSecond = raceWon / raceSeconds;
      rows.push({
        phase: 'booking',
        operation: `book, ${workers} clients, ${CONTENDERS} per slot (POST /api/scheduling/book)`,
        kind: 'measured',
        result: race,
        cpuMsPerRequest: raceCpu / Math.max(1, race.requests),
        note: `${raceWon} booked (${perSecond.toFixed(0)} bookings/s), ${raceLost} refused 409; CPU ms per booking: server ${serverMs.toFixed(2)} + database ${dbMs.toFixed(2)}`,
      });
      races.push({
        workers,
        booked: raceWon,
        refused: raceLost,
        bookingsPerSecond: perSecond,
        serverMs,
        dbMs,
      });
      await printStatements(pool, `booking race, ${workers} clients (per booking won)`, raceWon);
      log(
        `race ${workers}: ${race.requests} attempts, ${raceWon} booked, ${raceLost} refused (409): ${perSecond.toFixed(0)} bookings/s, attempts p50 ${race.p50.toFixed(1)} ms p99 ${race.p99.toFixed(1)} ms, ${race.errors} errors${race.errorSamples[0] ? ` (${race.errorSamples[0]})` : ''}`,
      );
    }
    meta.booked = won;
    meta.refused = lost;
    meta.races = races;
    meta.bookingsPerSecond = races[0].bookingsPerSecond;

    // a loser's cost once the winner has committed: booking slots the race took (each must be 409)
    const refused = async (i: number) => {
      const slot = bookedSlots[i % bookedSlots.length];
      const res = await client.send(
        'POST',
        '/api/scheduling/book',
        JSON.stringify({ slot: `Slot/${slot}`, patient: `Patient/bpat-${i % PATIENTS}` }),
        { 'content-type': 'application/json' },
      );
      return res.status === 409 ? undefined : `HTTP ${res.status} ${res.body.slice(0, 200)}`;
    };
    if (bookedSlots.length > 0)
      await measure('booking', 'refused: the slot is already booked (409)', 'measured', refused, {
        ...bookingLoad,
        maxRequests: 100_000,
      });

    // the floor: a race-safe booking in plain SQL on the same engine (its own table), raced at each
    // number of clients of the FHIR races, each on its own share of the slots
    const floor = floorUrl
      ? new pg.Pool({ connectionString: floorUrl, max: Math.max(...RACES) })
      : await PGlite.create({ dataDir: join(tmp, 'floor') });
    const fq = (text: string, params?: unknown[]) => (floor as pg.Pool).query(text, params);
    await fq('CREATE TABLE bench_slot (id text PRIMARY KEY, status text NOT NULL)');
    await fq(
      'CREATE TABLE bench_booking (id bigserial PRIMARY KEY, slot text NOT NULL, patient text NOT NULL)',
    );
    await fq(`INSERT INTO bench_slot SELECT id, 'free' FROM jsonb_array_elements_text($1::jsonb) AS id`, [
      JSON.stringify(world.hotSlots),
    ]);
    const floorRates: number[] = [];
    for (const [r, workers] of RACES.entries()) {
      const hot = world.hotSlots.slice(r * share, (r + 1) * share);
      let floorWon = 0;
      const floorBook = async (i: number) => {
        const slot = hot[Math.floor(i / CONTENDERS)];
        if (!slot) return 'out of slots';
        const sql = `WITH taken AS (UPDATE bench_slot SET status = 'busy' WHERE id = $1 AND status = 'free' RETURNING id)
                     INSERT INTO bench_booking (slot, patient) SELECT id, $2 FROM taken RETURNING id`;
        const res = await fq(sql, [slot, `bpat-${i % PATIENTS}`]);
        if (res.rows.length) floorWon++;
        return undefined;
      };
      const f0 = performance.now();
      const floorResult = await runLoad({ ...bookingLoad, concurrency: workers }, floorBook);
      const floorSeconds = (performance.now() - f0) / 1000;
      floorRates.push(floorWon / floorSeconds);
      rows.push({
        phase: 'booking',
        operation: `raw SQL floor, ${workers} clients, ${CONTENDERS} per slot (UPDATE … WHERE status = 'free' + INSERT)`,
        kind: 'baseline',
        result: floorResult,
        note: `${floorWon} booked (${(floorWon / floorSeconds).toFixed(0)} bookings/s)`,
      });
    }
    meta.floorBookingsPerSecond = floorRates;
    await (floor as { end?: () => Promise<void>; close?: () => Promise<void> }).end?.();
    await (floor as { close?: () => Promise<void> }).close?.();
    client.close();

    // ---- the count: no slot booked twice
    let db = pool as unknown as {
      query: (t: string, p?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
    };
    let local: Awaited<ReturnType<typeof openDatabase>> | undefined;
    if (!pool) {
      await server.stop();
      server = undefined;
      local = await openDatabase({ dataDir, migrations: SCHEDULING_MIGRATIONS });
      db = local;
      // the projection query alone, on the embedded engine, in this process (the server is stopped)
      const loadLocal = { ...load, concurrency: 1 };
      await measure(
        'find',
        'projection query alone (SQL, no HTTP, in-process)',
        'baseline',
        (i) => projection(local as never, i),
        loadLocal,
      );
    }
    const active = `('proposed','pending','booked','arrived','checked-in','fulfilled')`;
    const doubles = await db.query(
      `SELECT content->'slot'->0->>'reference' AS slot, count(*)::int AS n FROM resource
        WHERE resource_type = 'Appointment' AND NOT deleted AND content ? 'slot' AND content->>'status' IN ${active}
        GROUP BY 1 HAVING count(*) > 1`,
    );
    const booked = await db.query(
      `SELECT count(*)::int AS n FROM resource WHERE resource_type = 'Appointment' AND NOT deleted AND content ? 'slot' AND content->>'status' IN ${active}`,
    );
    const busy = await db.query(
      `SELECT count(*)::int AS n FROM sched_slot WHERE schedule_id = 'bs-hot' AND status = 'busy'`,
    );
    meta.doubleBookings = doubles.rows.length;
    meta.appointmentsWithSlot = booked.rows[0].n;
    meta.busyHotSlots = busy.rows[0].n;
    log(
      `count: ${booked.rows[0].n} Appointments hold a slot, ${busy.rows[0].n} hot slots busy, ${doubles.rows.length} slots booked twice`,
    );
    await pool?.end();
    await local?.close();
    report(rows, meta);
    if (doubles.rows.length > 0 || booked.rows[0].n !== won || busy.rows[0].n !== won) {
      console.error(`DOUBLE BOOKING OR MISCOUNT: ${JSON.stringify(doubles.rows.slice(0, 5))}`);
      process.exitCode = 1;
    }
  } finally {
    await server?.stop();
    await postgres?.stop();
    if (!flags.keep) rmSync(tmp, { recursive: true, force: true });
    else log(`kept ${tmp}`);
  }
}

function report(rows: Row[], meta: Record<string, unknown>): void {
  const n = (x: number, digits = 0) =>
    x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines = [
    `## Scheduling — ${flags.backend}, ${PRACTITIONERS} practitioners × ${DAYS} days (${n(Number(meta.slots))} slots), access control on`,
    '',
    `machine: ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(
        ' ',
      )}; find with ${CONCURRENCY} clients, booking races with ${RACES.join(' and ')}, baselines with ${BOOKING_WORKERS}`,
    '',
    '| phase | operation | kind | req/s | p50 ms | p99 ms | server CPU ms/req | errors | note |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.phase} | ${r.operation} | ${r.kind} | ${n(r.result.perSecond)} | ${n(r.result.p50, 1)} | ${n(r.result.p99, 1)} | ${r.cpuMsPerRequest === undefined || r.cpuMsPerRequest === 0 ? '—' : n(r.cpuMsPerRequest, 2)} | ${r.result.errors} | ${r.note ?? ''} |`,
    );
  }
  const search = rows.find((r) => r.operation.startsWith('directory search'));
  const sql = rows.find((r) => r.operation.startsWith('projection query'));
  if (search && sql)
    lines.push(
      '',
      `directory search p99 ÷ projection query p99: ${(search.result.p99 / sql.result.p99).toFixed(2)}`,
    );
  const races = (meta.races ?? []) as { workers: number; bookingsPerSecond: number }[];
  const floors = (meta.floorBookingsPerSecond ?? []) as number[];
  for (const [r, race] of races.entries())
    if (floors[r])
      lines.push(
        `bookings/s ÷ raw-SQL floor bookings/s, ${race.workers} clients: ${(race.bookingsPerSecond / floors[r]).toFixed(3)}`,
      );
  lines.push(`double bookings: ${meta.doubleBookings}`);
  console.log(lines.join('\n'));
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `scheduling-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ backend: flags.backend, practitioners: PRACTITIONERS, days: DAYS, concurrency: CONCURRENCY, bookingWorkers: RACES, meta, rows }, null, 2)}\n`,
  );
  console.log(`\nresults: ${path}`);
}

await main();
