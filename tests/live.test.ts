/**
 * The web app's live feed through HTTP: `GET /api/live` answers 426 to a plain GET from a signed-in
 * user (401 without a session), upgrades to a WebSocket with the session cookie, and pushes
 * `{type:'resource', …}` for the writes each user may read — two users each get only theirs;
 * a care relationship opened by a visit brings the clinician that patient's events at once (the
 * waiting room), and its end stops them; a cross-site page cannot open it; logout closes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

process.env.SAHTI_LIVE_RECHECK_SECONDS = '1';

interface Feed {
  ws: WebSocket;
  messages: { type: string; resourceType: string; id: string; versionId: string; action: string }[];
  closed: Promise<number>;
}

let server: TestServer;
let doctor: Person;
let newcomer: Person;
let patient: Person;
const feeds: Feed[] = [];

const ref = (r: string) => ({ reference: r });
const wsUrl = () => `${server.url.replace('http:', 'ws:')}/api/live`;

async function connect(person: Person, origin = server.url): Promise<Feed> {
  const ws = new WebSocket(wsUrl(), { headers: { cookie: person.cookie, origin } });
  const feed: Feed = {
    ws,
    messages: [],
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
  };
  ws.on('message', (data) => feed.messages.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  feeds.push(feed);
  return feed;
}

async function waitFor<T>(what: string, probe: () => T | undefined, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const quiet = (ms = 1500) => new Promise((r) => setTimeout(r, ms));
const got = (feed: Feed, type: string, id: string) =>
  feed.messages.find((m) => m.resourceType === type && m.id === id);

async function write(resource: { resourceType: string; id?: string }): Promise<{ id: string }> {
  const res = resource.id
    ? await fhirFetch(server.fhirBase, `/${resource.resourceType}/${resource.id}`, {
        method: 'PUT',
        body: resource,
      })
    : await fhirFetch(server.fhirBase, `/${resource.resourceType}`, { method: 'POST', body: resource });
  assert.ok(res.status < 300, JSON.stringify(res.body));
  return res.body;
}

const observation = (patient: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: ref(`Patient/${patient}`),
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const visit = (id: string, patient: string, practitioner: string, status = 'in-progress') => ({
  resourceType: 'Encounter',
  id,
  status,
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  subject: ref(`Patient/${patient}`),
  participant: [{ individual: ref(practitioner) }],
});

before(async () => {
  server = await startTestServer();
  for (const r of [
    { resourceType: 'Practitioner', id: 'live-dr', name: [{ family: 'Bennis' }] },
    { resourceType: 'Practitioner', id: 'live-new', name: [{ family: 'Chraibi' }] },
    { resourceType: 'Patient', id: 'lp1', name: [{ family: 'Sqalli' }] },
    { resourceType: 'Patient', id: 'lp2', name: [{ family: 'Kettani' }] },
    visit('live-visit', 'lp1', 'Practitioner/live-dr'),
  ])
    await write(r);
  doctor = await signIn(server, ['doctor'], 'Practitioner/live-dr');
  newcomer = await signIn(server, ['doctor'], 'Practitioner/live-new');
  patient = await signIn(server, ['patient'], 'Patient/lp2');
});

after(async () => {
  for (const f of feeds) f.ws.terminate();
  await server?.close();
});

describe('live feed', () => {
  it('answers a plain GET with 426 when signed in, 401 when not', async () => {
    assert.equal((await patient.call('/api/live')).status, 426);
    assert.equal((await fetch(`${server.url}/api/live`)).status, 401);
  });

  it('two users each receive only what they may see; directory changes reach both', async () => {
    const dr = await connect(doctor);
    const pt = await connect(patient);
    const inCare = await write(observation('lp1'));
    const own = await write(observation('lp2'));
    const org = await write({ resourceType: 'Organization', name: 'Hôpital Ibn Sina' } as never);
    const drMsg = await waitFor('doctor: lp1', () => got(dr, 'Observation', inCare.id));
    assert.deepEqual(drMsg, {
      type: 'resource',
      resourceType: 'Observation',
      id: inCare.id,
      versionId: '1',
      action: 'create',
    });
    await waitFor('patient: own', () => got(pt, 'Observation', own.id));
    await waitFor('doctor: organisation', () => got(dr, 'Organization', org.id));
    await waitFor('patient: organisation', () => got(pt, 'Organization', org.id));
    await quiet();
    assert.equal(got(dr, 'Observation', own.id), undefined, 'the doctor is not told about lp2');
    assert.equal(got(pt, 'Observation', inCare.id), undefined, 'the patient is not told about lp1');
    // deletions are told too (the client drops what it cached)
    await fhirFetch(server.fhirBase, `/Observation/${own.id}`, { method: 'DELETE' });
    await waitFor('patient: delete', () => pt.messages.find((m) => m.id === own.id && m.action === 'delete'));
  });

  it('a visit opening a care relationship brings its events to the clinician at once; its end stops them', async () => {
    const feed = await connect(newcomer);
    const before = await write(observation('lp2'));
    await write(visit('live-visit-2', 'lp2', 'Practitioner/live-new'));
    await waitFor('the visit itself', () => got(feed, 'Encounter', 'live-visit-2'));
    const during = await write(observation('lp2'));
    await waitFor('an observation of the new patient', () => got(feed, 'Observation', during.id));
    assert.equal(got(feed, 'Observation', before.id), undefined, 'nothing from before the relationship');
    await write(visit('live-visit-2', 'lp2', 'Practitioner/live-new', 'entered-in-error'));
    await waitFor('the ended visit (seen before it ended)', () =>
      feed.messages.find((m) => m.id === 'live-visit-2' && m.versionId === '2'),
    );
    const afterEnd = await write(observation('lp2'));
    await quiet();
    assert.equal(got(feed, 'Observation', afterEnd.id), undefined, 'nothing after the relationship ended');
  });

  it('refuses a socket opened from another site', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl(), {
        headers: { cookie: patient.cookie, origin: 'https://evil.example' },
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    assert.equal(status, 403);
  });

  it('closes the socket (4001) once the user signs out', async () => {
    const feed = await connect(patient);
    assert.equal((await patient.call('/auth/logout', { method: 'POST' })).status, 204);
    const code = await Promise.race([feed.closed, quiet(6000).then(() => 0)]);
    assert.equal(code, 4001);
  });
});
