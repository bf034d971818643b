/**
 * The demo a first user meets: the demo patient's record is rich (problems, allergy, medicines, a
 * year of measurements, signed notes, documents, blood group, emergency contact) and she acts for
 * her child; the nurse, the unit assistant, the dialysis coordinator and the hub specialist each
 * find a caseload, opened by the authoritative routes (care teams, accepted referrals); the
 * programme manager's counts answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../packages/server/src/auth/demo-accounts.ts';
import { seedDemoIfEmpty } from '../packages/server/src/demo-seed.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
const used = new Map<string, string>();

async function session(login: string) {
  let totp: string | undefined;
  if (login.includes('@')) {
    // a TOTP code is accepted once per account: wait for the next one when needed
    for (;;) {
      totp = new TOTP({ secret: DEMO_TOTP_SECRET }).generate();
      if (used.get(login) !== totp) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    used.set(login, totp);
  }
  const res = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: DEMO_PASSWORD, ...(totp ? { totp } : {}) }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('sahti_session='))!
    .split(';')[0];
  return async (path: string) => {
    const r = await fetch(`${server.url}${path}`, { headers: { cookie, 'x-csrf-token': csrfToken } });
    return { status: r.status, body: (await r.json()) as any };
  };
}

before(async () => {
  server = await startTestServer({ seedDemo: true });
  await seedDemoIfEmpty(server.platform);
});
after(() => server?.close());

describe('the demo a first user meets', () => {
  it('the demo patient’s record is rich', async () => {
    const get = await session('A438469');
    const me = (await get('/auth/me')).body.user.fhirUser;
    const count = async (type: string) =>
      (await get(`/fhir/R4/${type}?patient=${me}&_summary=count`)).body.total;
    assert.ok((await count('Condition')) >= 3);
    assert.ok((await count('AllergyIntolerance')) >= 1);
    assert.ok((await count('MedicationStatement')) >= 3);
    assert.ok((await count('Observation')) >= 40, 'a year of measurements');
    assert.ok((await count('Composition')) >= 3);
    assert.ok((await count('DocumentReference')) >= 2);
    const dependants = await get('/api/care/dependants');
    assert.equal(dependants.body.actingFor.length, 1);
    const child = dependants.body.actingFor[0].patient;
    assert.equal((await get(`/fhir/R4/${child}`)).status, 200, 'she reads her child’s record');
    const pni = await get(`/api/records/immunisations?patient=${child}`);
    assert.ok(pni.body.some((d: { state: string }) => d.state === 'done'));
  });

  for (const role of ['nurse', 'unit-assistant', 'dialysis-coordinator', 'hub-specialist', 'doctor']) {
    it(`the ${role} finds patients in their care`, async () => {
      const get = await session(`${role}@demo.sahti.ma`);
      const found = await get('/fhir/R4/Patient?_count=50');
      assert.equal(found.status, 200);
      assert.ok((found.body.entry ?? []).length >= 2, `${role}: ${found.body.entry?.length ?? 0} patients`);
    });
  }

  it('the programme manager’s counts answer, small cells suppressed', async () => {
    const get = await session('programme-manager@demo.sahti.ma');
    const patients = await get('/fhir/R4/Patient?_summary=count');
    assert.equal(patients.status, 200);
    assert.ok(patients.body.total >= 60);
    const aggregate = await get('/fhir/R4/Observation/$aggregate?group-by=code');
    assert.equal(aggregate.status, 200, JSON.stringify(aggregate.body).slice(0, 300));
  });
});
