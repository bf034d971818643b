/**
 * Every JSON route (/api/*, /auth/*, /oauth2/* and the FHIR custom operations) gets a fixed table
 * of malformed inputs from a signed-in user with a role that may call it: repeated query
 * parameters (arrays), 10,000-character strings, numbers as strings and strings as numbers, null,
 * {}, [], nested objects where a string is expected, bodies that are an array, a string or empty,
 * ids with `../`, `%2F` and unicode, impossible dates, negative and huge numbers. Each answer must
 * be < 500; every 500 is listed (route, input, body) before the test fails.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Role } from '../packages/server/src/kernel/principal.ts';
import { bookConsultation, csrfOf, seedConsultationWorld } from './support/consultation.ts';
import {
  addDialysisPatient,
  addPractitioner,
  addTestCentre,
  inDays,
  today,
} from './support/dialysis-world.ts';
import { type Person, signIn } from './support/people.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const SRC = fileURLToPath(new URL('../packages/server/src/', import.meta.url));
const CONTRACTS = fileURLToPath(new URL('../packages/contracts/src/', import.meta.url));

let server: TestServer;
/** Callers by role, and 'dialysis-patient': a patient with a dialysis record and a draft stay. */
const people = new Map<string, { person: Person; csrf: string }>();
const ids: Record<string, string> = {};

interface Route {
  method: string;
  path: string;
}

/** The routes of `printRoutes()`: its tree, one line per path segment with its methods. */
function routesOf(tree: string): Route[] {
  const out: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack.push(m[2]);
    if (!m[3]) continue;
    const path = stack.join('');
    for (const method of m[3].split(', '))
      if (method !== 'HEAD' && method !== 'OPTIONS') out.push({ method, path });
  }
  return out;
}

const LONG = 'x'.repeat(10_000);
/** Query values (a query value is a string, or an array when repeated). */
const QUERY_VALUES = [
  LONG,
  '2026-02-30',
  '-1',
  '99999999999999999999999999',
  '1e308',
  'NaN',
  '2026-13-45',
  'null',
  '{}',
  '[]',
  '../../etc',
  'é😀\u202e',
  '',
];
/** Names a route may read from its query (collected from the routes' sources). */
const QUERY_NAMES = [
  'q',
  'name',
  'patient',
  'lang',
  'from',
  'to',
  'date',
  'days',
  'since',
  'unit',
  'specialty',
  'practitioner',
  'place',
  'mode',
  'language',
  'limit',
  'before',
  'after',
  'state',
  'status',
  'shift',
  'arrival',
  'departure',
  'destination',
  'chairKind',
  'kinds',
  'thresholds',
  'ruralOnly',
  'readyCount',
  'today',
  'sort',
  '_count',
  'code',
  'system',
  'scope',
  'reason',
  'author',
  'id',
  'item',
  'text',
  'version',
  'slot',
  'start',
  'end',
  'lat',
  'lon',
  'map',
  'cursor',
  'homeDays',
  'week',
  'weeks',
  'client_id',
  'redirect_uri',
  'response_type',
  'code_challenge',
  'code_challenge_method',
  'aud',
  'launch',
  'group-by',
  'filter',
  'count',
  'url',
  'displayLanguage',
  '_type',
  '_since',
  'type',
  'kind',
  'region',
  'token',
  'login',
  'linkId',
  'summary',
  'warnings',
];
/** Body field values of the wrong type or absurd content. */
/** One field at a time: the values of the wrong JSON type. */
const FIELD_VALUES: unknown[] = [{ a: 1 }, ['a']];
const BODY_VALUES: unknown[] = [
  null,
  {},
  [],
  { a: { b: 'c' } },
  ['a', 'b'],
  LONG,
  '12',
  12,
  -1,
  1e308,
  true,
  '2026-13-45',
  '../../x',
  'é😀',
];
/** Whole bodies that are not the object a route expects (raw text; '' is an empty body). */
const RAW_BODIES = ['', '[]', '"text"', 'null', '42', 'true', '{}', '[{}]', `"${LONG}"`];
/** Path parameters: traversal, encoded slashes, unicode, absurd lengths and numbers. */
const PATH_IDS = [
  '..%2F..%2Fetc',
  '%2E%2E',
  'a%2Fb',
  '%C3%A9%F0%9F%98%80',
  'x'.repeat(2000),
  '-1',
  '99999999999999999999',
  'null',
  '%7B%7D',
  '2026-13-45',
  'x',
];

/** The sources of the code behind a route: where the names it reads from its input are found. */
function sourceText(dir: string): string {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  );
  return files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
}
const SOURCE_DIRS: [RegExp, string[]][] = [
  [/^\/api\/(me|care|break-glass)\b/, ['access']],
  [/^\/api\/admin\/jobs/, ['jobs']],
  [/^\/api\/admin\/notifications/, ['notify']],
  [/^\/(auth|oauth2)\//, ['auth']],
  [/\$aggregate|\$change-identifier/, ['access']],
  [/\$import/, ['modules/bulk-import']],
  [/\$book|\$find/, ['modules/scheduling']],
  [/\$sign/, ['modules/prescriptions']],
  [/\$summary|\$everything/, ['modules/summary', 'modules/records']],
  [/^\/api\/([a-z]+)/, []], // filled below from the module of the same name
];
const textCache = new Map<string, string>();
function sourcesOf(path: string): string {
  const found = SOURCE_DIRS.find(([re]) => re.test(path));
  const dirs = found?.[1].length ? found[1] : [`modules/${/^\/api\/([a-z]+)/.exec(path)?.[1]}`];
  return dirs
    .map((d) => {
      if (!textCache.has(d)) textCache.set(d, sourceText(join(SRC, d)));
      return textCache.get(d) ?? '';
    })
    .join('\n');
}
const CONTRACT_TEXT = sourceText(CONTRACTS);
/** Names of body fields a route's code (or its contract) reads. */
function bodyNamesOf(path: string): string[] {
  const text = sourcesOf(path);
  const names = new Set<string>();
  for (const m of text.matchAll(/\b(?:body|b|input|req\.body|payload|data)\??\.([a-zA-Z_]+)/g))
    names.add(m[1]);
  for (const m of text.matchAll(/\b(?:body|b|input|req\.body|payload|data)\??\[['"]([a-zA-Z_-]+)['"]\]/g))
    names.add(m[1]);
  for (const m of CONTRACT_TEXT.matchAll(/^\s+'?([a-zA-Z_-]+)'?\??: /gm))
    if (text.includes(m[1])) names.add(m[1]);
  for (const n of [
    'length',
    'toString',
    'slice',
    'trim',
    'subarray',
    'unpipe',
    'push',
    'startsWith',
    'map',
    'filter',
  ])
    names.delete(n);
  return [...names];
}
function queryNamesOf(path: string): string[] {
  const text = sourcesOf(path);
  return QUERY_NAMES.filter((n) => new RegExp(`['".]${n.replace('-', '\\-')}\\b`).test(text));
}

/** Which signed-in users call a route. */
function callersOf(path: string): string[] {
  if (path === '/api/units/:id/gateways') return ['administrator'];
  if (path.startsWith('/api/units')) return ['programme-manager', 'administrator'];
  if (path.startsWith('/api/dialysis')) return ['dialysis-coordinator', 'dialysis-patient'];
  if (path.startsWith('/api/admin') || path.startsWith('/auth/admin')) return ['administrator'];
  if (path.startsWith('/api/hub')) return ['hub-specialist', 'doctor'];
  if (path.endsWith('/dispense')) return ['pharmacist'];
  if (path.includes('$aggregate')) return ['programme-manager'];
  if (path.includes('$change-identifier') || path.includes('$import')) return ['administrator'];
  return ['doctor', 'patient'];
}

interface Failure {
  route: string;
  input: string;
  status: number;
  body: string;
}
const failures: Failure[] = [];
/** What the server logged as unexpected (the cause behind a 500, which its answer does not tell). */
const serverErrors: string[] = [];
let sent = 0;
const statuses = new Map<number, number>();

async function send(
  role: string,
  route: Route,
  url: string,
  input: string,
  body?: string,
  contentType = 'application/json',
): Promise<void> {
  const who = people.get(role);
  assert.ok(who);
  sent++;
  // inject: the whole stack (hooks, parsers, auth, handlers) without a socket per request
  const res = await server.platform.app.inject({
    method: route.method as 'GET',
    url,
    headers: {
      cookie: who.person.cookie,
      'x-csrf-token': who.csrf,
      ...(body !== undefined ? { 'content-type': contentType } : {}),
    },
    ...(body !== undefined ? { payload: body } : {}),
  });
  statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
  if (res.statusCode >= 500) {
    const failure = {
      route: `${route.method} ${route.path}`,
      input: `${role}: ${input}`,
      status: res.statusCode,
      body: res.body.slice(0, 300),
    };
    if (!failures.some((f) => f.route === failure.route && f.body.slice(0, 80) === failure.body.slice(0, 80)))
      console.log(`${failure.status} ${failure.route} — ${failure.input}\n    ${failure.body}`);
    failures.push(failure);
  }
}

/** Valid inputs of some routes, so that one hostile field or parameter gets past the others. */
const BASE_BODIES: Record<string, () => Record<string, unknown>> = {
  'POST /api/dialysis/stays': () => ({
    service: ids.service,
    arrival: today(),
    departure: inDays(3),
    sessions: [{ date: inDays(1), shift: 'morning' }],
    note: 'x',
  }),
  'POST /api/dialysis/results': () => ({ test: 'hcv', date: today(), result: 'negative', value: 'x' }),
};
const BASE_QUERIES: Record<string, () => Record<string, string>> = {
  'GET /api/dialysis/search': () => ({
    destination: 'Agadir',
    arrival: today(),
    departure: inDays(3),
    days: 'mon,wed',
    shift: 'morning',
    language: 'fr',
    _count: '5',
  }),
  'GET /api/dialysis/places': () => ({ q: 'Agadir' }),
};
/** The fields some routes read, where the module's many names would only repeat the same work. */
const TOUR_FIELDS = ['communes', 'radiusKm', 'weeks', 'start', 'horizonWeeks'];
const BODY_FIELDS: Record<string, string[]> = {
  'POST /api/units/:id/gateways': [], // reads no body; each call registers a client (a hashed secret)
  'POST /api/units/:id/tour': TOUR_FIELDS, // each call that passes plans and publishes a tour
  'POST /api/units/:id/tour/proposal': TOUR_FIELDS,
};
/** Routes that read no query (and answer slowly: large documents, a hashed secret per call). */
const NO_QUERY = new Set(['GET /api/units/map', 'GET /api/units/reference', 'POST /api/units/:id/gateways']);
/** Parameters resources of the wrong shape, for the FHIR operations called with POST. */
const PARAMETER_NAMES = [
  'slot',
  'patient',
  'reason',
  'prescription',
  'system',
  'value',
  'inputFormat',
  'input',
  'url',
  'mode',
];
const PARAMETERS_BODIES = [
  { resourceType: 'Parameters', parameter: 'x' },
  { resourceType: 'Parameters', parameter: {} },
  { resourceType: 'Parameters', parameter: [null, 1, 'x'] },
  { resourceType: 'Parameters', parameter: [{ name: 5 }, { name: null }, { name: {} }] },
  ...PARAMETER_NAMES.flatMap((name) => [
    { resourceType: 'Parameters', parameter: [{ name, valueString: LONG }] },
    {
      resourceType: 'Parameters',
      parameter: [
        { name, valueString: 'a' },
        { name, valueString: 'b' },
      ],
    },
    { resourceType: 'Parameters', parameter: [{ name, valueReference: { reference: '../../x%2F' } }] },
    { resourceType: 'Parameters', parameter: [{ name, valueInteger: -1 }] },
    { resourceType: 'Parameters', parameter: [{ name, valueString: '2026-13-45' }] },
    { resourceType: 'Parameters', parameter: [{ name, resource: { resourceType: 'Patient', id: '../x' } }] },
    { resourceType: 'Parameters', parameter: [{ name, part: [{ name: 'x', valueString: 'y' }] }] },
  ]),
].map((p) => JSON.stringify(p));
/** Hostile values for one field or parameter beside valid ones. */
const BESIDE_VALID: unknown[] = [{ a: 1 }, ['a', 'b'], 12, -1, LONG, '', '2026-13-45', '2026-02-30', '1e308'];

/** The path with its parameters filled: a real id where the test has one, else `fill`. */
function pathWith(path: string, fill?: string): string {
  return path.replace(
    /:([a-zA-Z]+)/g,
    (_, name: string) => fill ?? ids[`${path.split('/')[2]}.${name}`] ?? ids[name] ?? 'x',
  );
}

/** Runs `tasks` `width` at a time. */
async function pool(tasks: (() => Promise<void>)[], width = 12): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
}

function casesOf(route: Route): (() => Promise<void>)[] {
  const tasks: (() => Promise<void>)[] = [];
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  const key = `${route.method} ${route.path}`;
  const queryNames = NO_QUERY.has(key) ? [] : queryNamesOf(route.path);
  const bodyNames = hasBody ? (BODY_FIELDS[`${route.method} ${route.path}`] ?? bodyNamesOf(route.path)) : [];
  callersOf(route.path).forEach((role, i) => {
    const base = pathWith(route.path);
    const go = (url: string, input: string, body?: string, type?: string) =>
      tasks.push(() => send(role, route, url, input, body, type));
    const ok = hasBody ? '{}' : undefined;
    go(base, 'as is', ok);
    // path parameters
    if (route.path.includes(':'))
      for (const id of PATH_IDS) go(pathWith(route.path, id), `path id ${id.slice(0, 40)}`, ok);
    // query: every name repeated at once, then every name with each hostile value
    const all = (v: string) =>
      queryNames.map((n) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
    if (queryNames.length) {
      go(`${base}?${all('a')}&${all('b')}`, 'every query name repeated', ok);
      for (const v of QUERY_VALUES)
        go(`${base}?${all(v)}`, `every query name = ${JSON.stringify(v.slice(0, 40))}`, ok);
    }
    if (hasBody) {
      // bodies that are not an object, and an empty body
      for (const raw of RAW_BODIES) go(base, `body ${raw.slice(0, 40) || '(empty)'}`, raw);
      go(base, 'empty body without content-type');
      go(base, 'form body', 'a=1&a=2', 'application/x-www-form-urlencoded');
      if (bodyNames.length > 0)
        for (const v of BODY_VALUES)
          go(
            base,
            `every field = ${JSON.stringify(v)?.slice(0, 40)}`,
            JSON.stringify(Object.fromEntries(bodyNames.map((n) => [n, v]))),
          );
    }
    if (hasBody && route.path.includes('$'))
      for (const body of PARAMETERS_BODIES)
        go(base, `Parameters ${body.slice(0, 60)}`, body, 'application/fhir+json');
    const baseQuery = BASE_QUERIES[key]?.();
    if (baseQuery)
      for (const n of Object.keys(baseQuery))
        for (const v of BESIDE_VALID) {
          const q = new URLSearchParams(baseQuery);
          if (Array.isArray(v)) for (const x of v) q.append(n, x);
          else q.set(n, typeof v === 'object' ? '{}' : String(v));
          go(`${base}?${q}`, `valid query with ${n}=${JSON.stringify(v).slice(0, 40)}`, ok);
        }
    const baseBody = BASE_BODIES[key]?.();
    if (baseBody)
      for (const n of Object.keys(baseBody))
        for (const v of BESIDE_VALID)
          go(
            base,
            `valid body with ${n}: ${JSON.stringify(v).slice(0, 40)}`,
            JSON.stringify({ ...baseBody, [n]: v }),
          );
    if (i > 0) return; // one name at a time: as the first caller only
    for (const n of queryNames) go(`${base}?${n}=a&${n}=b`, `?${n}=a&${n}=b`, ok);
    for (const n of bodyNames)
      for (const v of FIELD_VALUES)
        go(base, `{${n}: ${JSON.stringify(v)?.slice(0, 40)}}`, JSON.stringify({ [n]: v }));
  });
  return tasks;
}

before(async () => {
  server = await startTestServer();
  // tests run without a logger: every request's log is the app's no-op one, so this sees them all
  server.platform.app.log.error = (obj: unknown, message?: string) => {
    const err = (obj as { err?: { message?: string; stack?: string } })?.err;
    serverErrors.push(`${message ?? ''}: ${err?.stack?.split('\n').slice(0, 6).join(' | ') ?? String(obj)}`);
  };
  const roles: Role[] = [
    'patient',
    'doctor',
    'administrator',
    'programme-manager',
    'hub-specialist',
    'pharmacist',
  ];
  const consult = await seedConsultationWorld(server);
  ids.appointment = await bookConsultation(server, consult);
  ids['scheduling.id'] = ids.appointment;
  const fhirUser: Partial<Record<Role, string>> = {
    patient: `Patient/${consult.patientId}`,
    doctor: `Practitioner/${consult.doctorId}`,
  };
  for (const role of roles) {
    const person =
      role === 'patient'
        ? consult.patient
        : role === 'doctor'
          ? consult.doctor
          : await signIn(server, [role], fhirUser[role]);
    people.set(role, { person, csrf: await csrfOf(server, person) });
  }
  ids.patient = consult.patientId;
  const unit = await people.get('administrator')?.person.call('/api/units', {
    method: 'POST',
    body: { name: 'Unité (fuzz)', baseCommune: '09.541.01.03' },
  });
  assert.equal(unit?.status, 201, JSON.stringify(unit?.body));
  ids['units.id'] = unit.body.id;
  // a dialysis patient of Rabat planning a stay in Agadir, and the Agadir coordinator
  const rabat = await addTestCentre(server, { name: 'Rabat (fuzz)', city: 'Rabat' });
  const agadir = await addTestCentre(server, { name: 'Agadir (fuzz)', city: 'Agadir' });
  const nephro = await addPractitioner(server, rabat.organization, 'Fuzz', true);
  const dialysisPatient = await signIn(
    server,
    ['patient'],
    await addDialysisPatient(server, { name: 'Fuzz', nephrologist: nephro, homeCentre: rabat.organization }),
  );
  people.set('dialysis-patient', { person: dialysisPatient, csrf: await csrfOf(server, dialysisPatient) });
  const coordinator = await signIn(
    server,
    ['dialysis-coordinator'],
    await addPractitioner(server, agadir.organization, 'Coordination (fuzz)'),
  );
  people.set('dialysis-coordinator', { person: coordinator, csrf: await csrfOf(server, coordinator) });
  ids.service = agadir.service;
  const draft = await dialysisPatient.call('/api/dialysis/stays', {
    method: 'POST',
    body: { service: agadir.service, arrival: today(), departure: inDays(3) },
  });
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  ids['dialysis.id'] = draft.body.id;
});
after(() => server?.close());

describe('malformed input on every JSON route', () => {
  it('never answers 5xx', { timeout: 600_000 }, async () => {
    const all = routesOf(server.platform.app.printRoutes({ commonPrefix: false }));
    const json = all.filter(
      (r) =>
        /^\/(api|auth|oauth2)\//.test(r.path) &&
        r.path !== '/auth/logout' && // would end the session the rest of the table uses
        r.path !== '/api/live' && // a server-sent event stream
        !r.path.endsWith('/signal'),
    );
    const ops: Route[] = [
      { method: 'POST', path: '/fhir/R4/Appointment/$book' },
      { method: 'GET', path: '/fhir/R4/Slot/$find' },
      { method: 'POST', path: '/fhir/R4/MedicationRequest/$sign' },
      { method: 'GET', path: '/fhir/R4/Patient/:patient/$summary' },
      { method: 'GET', path: '/fhir/R4/Patient/:patient/$everything' },
      { method: 'GET', path: '/fhir/R4/Observation/$aggregate' },
      { method: 'GET', path: '/fhir/R4/Patient/$aggregate' },
      { method: 'POST', path: '/fhir/R4/$import' },
      { method: 'POST', path: '/fhir/R4/Patient/:patient/$change-identifier' },
    ];
    const routes = [...json, ...ops];
    assert.ok(json.length > 80, `only ${json.length} routes found`);
    const started = Date.now();
    for (const route of routes) {
      const t = Date.now();
      const cases = casesOf(route);
      const n = cases.length;
      await pool(cases);
      if (process.env.FUZZ_VERBOSE)
        console.log(`${route.method} ${route.path} ${n} cases ${Date.now() - t} ms`);
    }
    console.log(
      `${routes.length} routes, ${sent} requests, ${Date.now() - started} ms, ${failures.length} 5xx`,
    );
    console.log(`answers: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    // the table reached the handlers: most answers are not a refusal of the session or the role
    const refused = (statuses.get(401) ?? 0) + (statuses.get(403) ?? 0);
    assert.ok(refused < sent / 2, `${refused} of ${sent} answers were 401/403`);
    const seen = new Set<string>();
    for (const f of failures) {
      const key = `${f.route} ${f.body.slice(0, 80)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      console.log(`500 ${f.route} — ${f.input}\n    ${f.body}`);
    }
    const told = failures
      .slice(0, 3)
      .map((f) => `${f.status} ${f.route} — ${f.input}: ${f.body.slice(0, 120)}`)
      .concat(serverErrors.slice(0, 3).map((e) => `server: ${e.slice(0, 600)}`))
      .join('\n');
    assert.equal(failures.length, 0, `${failures.length} answers were 5xx\n${told}`);
  });
});
