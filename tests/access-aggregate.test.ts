/**
 * Aggregate-only roles (programme managers): counts and group-bys over non-identifying dimensions,
 * never a cell under 5, never a parameter that targets one person — checked on examples and by
 * property-based generation of queries (fast-check), directly and inside bundles.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let manager: Person;

const REGIONS = ['Souss-Massa', 'Oriental', 'Drâa-Tafilalet'];
const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const CODES = ['2339-0', '29463-7', '8480-6'];

before(async () => {
  server = await startTestServer();
  // 23 patients: 20 in Souss-Massa (enough to count), 3 alone in their regions (too few to show)
  const entry: unknown[] = [];
  for (let i = 0; i < 23; i++) {
    const region = i < 20 ? REGIONS[0] : REGIONS[1 + (i % 2)];
    const id = `ag${i}`;
    entry.push({
      resource: {
        resourceType: 'Patient',
        id,
        identifier: [{ system: CNIE, value: `AG${String(100000 + i)}` }],
        name: [{ family: `Family${i}`, given: [`Given${i}`] }],
        gender: i % 3 === 0 ? 'female' : 'male',
        birthDate: `${1950 + i * 2}-03-0${1 + (i % 8)}`,
        address: [{ state: region, district: i < 20 ? 'Agadir Ida-Ou-Tanane' : 'Figuig', city: `City${i}` }],
      },
      request: { method: 'PUT', url: `Patient/${id}` },
    });
    for (let j = 0; j < 3; j++) {
      entry.push({
        resource: {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: CODES[(i + j) % 3] }] },
          subject: { reference: `Patient/${id}` },
          effectiveDateTime: `2026-0${1 + j}-15T10:00:00Z`,
          valueQuantity: {
            value: 100 + i,
            unit: 'mg/dL',
            system: 'http://unitsofmeasure.org',
            code: 'mg/dL',
          },
        },
        request: { method: 'POST', url: 'Observation' },
      });
    }
  }
  const res = await fhirFetch(server.fhirBase, '', {
    method: 'POST',
    body: { resourceType: 'Bundle', type: 'transaction', entry },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
  manager = await signIn(server, ['programme-manager']);
});
after(() => server?.close());

/** Every identifying trace a response could carry: a resource, a name, an identifier, a patient reference. */
function identifyingIn(body: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const r = node as Record<string, unknown>;
      if (
        typeof r.resourceType === 'string' &&
        !['Bundle', 'OperationOutcome', 'MeasureReport'].includes(r.resourceType)
      )
        found.push(`resource ${r.resourceType}`);
      for (const [k, v] of Object.entries(r)) {
        if (['name', 'identifier', 'telecom', 'birthDate'].includes(k)) found.push(k);
        if (k === 'reference' && typeof v === 'string' && v.startsWith('Patient/')) found.push(v);
        if (typeof v === 'string' && /Family\d|Given\d|AG1\d{5}/.test(v)) found.push(v);
        visit(v);
      }
    }
  };
  visit(body);
  return found;
}

/** Every count a response shows: Bundle.total, and each population count of a MeasureReport. */
function countsIn(body: any): number[] {
  const counts: number[] = [];
  if (body?.resourceType === 'Bundle' && typeof body.total === 'number') counts.push(body.total);
  for (const group of body?.group ?? []) {
    for (const p of group.population ?? []) if (typeof p.count === 'number') counts.push(p.count);
    for (const s of group.stratifier ?? [])
      for (const stratum of s.stratum ?? [])
        for (const p of stratum.population ?? []) if (typeof p.count === 'number') counts.push(p.count);
  }
  return counts;
}

describe('aggregate-only access', () => {
  it('counts by allowed dimensions, and groups by region, sex, age band and month', async () => {
    const count = await manager.fhir('/Observation?_summary=count&code=http://loinc.org|2339-0');
    assert.equal(count.status, 200);
    assert.equal(count.body.total, 23);
    const report = await manager.fhir('/Observation/$aggregate?group-by=region&group-by=period:month');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    const strata = report.body.group[0].stratifier[0].stratum;
    const cell = (region: string, month: string) =>
      strata.find((s: any) => s.component[0].value.text === region && s.component[1].value.text === month);
    assert.equal(cell('Souss-Massa', '2026-01').population[0].count, 20);
    const small = cell('Oriental', '2026-01');
    assert.equal(small.population[0].count, undefined, 'a cell under 5 shows no count');
    assert.equal(small.population[0].extension[0].valueBoolean, true);
    // one report alone does not give it back: 23 in all, Souss-Massa 20, Oriental 2 and
    // Drâa-Tafilalet 1 — the two small cells add up to 3, so the next smallest is left out too
    const byRegion = await manager.fhir('/Patient/$aggregate?group-by=region');
    assert.equal(byRegion.body.group[0].population[0].count, 23);
    const shownCounts = byRegion.body.group[0].stratifier[0].stratum.map((s: any) => s.population[0].count);
    assert.deepEqual(shownCounts, [undefined, undefined, undefined]);
    const ages = await manager.fhir('/Patient/$aggregate?group-by=age-band&group-by=sex');
    assert.equal(ages.status, 200, JSON.stringify(ages.body));
    assert.ok(
      ages.body.group[0].stratifier[0].stratum.every((s: any) =>
        /^\d+(-\d+|\+)$|^unknown$/.test(s.component[0].value.text),
      ),
    );
  });

  it('suppresses a count under 5 but shows zero', async () => {
    const few = await manager.fhir('/Patient?_summary=count&address-state=Oriental');
    assert.equal(few.status, 200);
    assert.equal(few.body.total, undefined);
    assert.match(JSON.stringify(few.body), /suppressed/);
    const none = await manager.fhir('/Patient?_summary=count&address-state=Nowhere');
    assert.equal(none.body.total, 0);
  });

  it('refuses what singles out a person, and repeated or conflicting result parameters', async () => {
    const refused: [string, number][] = [
      ['/Observation?_summary=count&_summary=true', 400],
      ['/Observation?_summary=true&_summary=count', 400],
      ['/Observation', 403],
      ['/Observation?_summary=count&subject=Patient/ag1', 403],
      ['/Observation?_summary=count&subject:identifier=AG100001', 403],
      ['/Observation?_summary=count&subject:Patient.name=Family1', 403],
      ['/Observation?_summary=count&patient.name=Family1', 403],
      ['/Patient?_summary=count&_id=ag1', 403],
      ['/Patient?_summary=count&identifier=AG100001', 403],
      ['/Patient?_summary=count&name=Family1', 403],
      ['/Patient?_summary=count&birthdate=1950-03-01', 403],
      ['/Patient?_summary=count&address-city=City1', 403],
      ['/Patient?_summary=count&_has:Observation:subject:code=2339-0', 403],
      ['/Patient?_summary=count&unknown-param=1', 403],
      ['/Observation?_summary=count&_include=Observation:subject', 403],
      ['/Patient/ag1', 403],
      ['/Patient/ag1/$everything', 403],
      ['/Observation/_history', 403],
      ['/Observation/$aggregate?group-by=subject', 400],
      ['/Observation/$aggregate?subject=Patient/ag1', 403],
      ['/Patient/$aggregate?group-by=name', 400],
    ];
    for (const [path, status] of refused) {
      const res = await manager.fhir(path);
      assert.equal(res.status, status, `${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
    }
    const batch = await manager.fhir('/', {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Observation?_summary=count&_summary=true' } }],
      },
    });
    assert.equal(batch.body.entry[0].response.status, '400');
  });
});

const FILTERS = [
  'code=http://loinc.org|2339-0',
  'code=2339-0,8480-6',
  'status=final',
  'date=ge2026-02-01',
  'date=lt2026-03-01',
  'subject=Patient/ag1',
  'patient=ag2',
  'subject:identifier=AG100003',
  'subject.name=Family4',
  '_id=ag5',
  'gender=female',
  'address-state=Souss-Massa',
  'address-state=Oriental',
  'name=Family6',
  'birthdate=le1960',
  '_has:Observation:subject:status=final',
  '_lastUpdated=ge2020-01-01',
  'value-quantity=gt110',
  'code:text=glucose',
  'identifier=AG100007',
];

describe('aggregate rules, generated (property-based)', () => {
  it('no generated query by a programme manager returns an identifying element or a cell under 5', async () => {
    const query = fc.record({
      type: fc.constantFrom('Observation', 'Patient'),
      op: fc.constantFrom('count', 'aggregate'),
      filters: fc.subarray(FILTERS, { maxLength: 3 }),
      groups: fc.subarray(
        ['region', 'province', 'sex', 'age-band', 'period:month', 'code', 'status', 'subject', 'name'],
        {
          maxLength: 3,
        },
      ),
      extra: fc.constantFrom(
        '',
        '_summary=true',
        '_elements=name',
        '_count=5',
        '_include=Observation:subject',
        '_summary=count',
      ),
      via: fc.constantFrom('direct', 'batch'),
    });
    await fc.assert(
      fc.asyncProperty(query, async ({ type, op, filters, groups, extra, via }) => {
        const params = [...filters, ...(extra ? [extra] : [])];
        const path =
          op === 'count'
            ? `/${type}?${['_summary=count', ...params].join('&')}`
            : `/${type}/$aggregate?${[...groups.map((g) => `group-by=${g}`), ...params].join('&')}`;
        const res =
          via === 'direct'
            ? await manager.fhir(path)
            : await manager.fhir('/', {
                method: 'POST',
                body: {
                  resourceType: 'Bundle',
                  type: 'batch',
                  entry: [{ request: { method: 'GET', url: path.slice(1) } }],
                },
              });
        assert.ok(res.status < 500, `${path}: ${res.status}`);
        const body = via === 'direct' ? res.body : res.body?.entry?.[0]?.resource;
        assert.deepEqual(identifyingIn(body), [], `${path} identified someone`);
        for (const n of countsIn(body)) assert.ok(n === 0 || n >= 5, `${path} showed a cell of ${n}`);
        // nor within one report: the total minus the cells shown is what was left out
        for (const group of body?.resourceType === 'MeasureReport' ? body.group : []) {
          const total = group.population?.[0]?.count;
          const strata = group.stratifier?.[0]?.stratum;
          if (typeof total !== 'number' || !strata) continue;
          const shown = strata.reduce((sum: number, s: any) => sum + (s.population[0].count ?? 0), 0);
          const left = total - shown;
          assert.ok(left === 0 || left >= 5, `${path}: the total minus the cells shown is ${left}`);
        }
      }),
      { numRuns: 400, seed: 20261130 },
    );
  });
});
