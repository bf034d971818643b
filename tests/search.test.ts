/**
 * Search behaviour through the HTTP API, per the R4 search specification: every parameter type,
 * modifiers and prefixes, sorting, paging, totals, summaries, includes, chaining and _has.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const CNIE = 'https://sahti.ma/fhir/NamingSystem/cnie';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
let server: TestServer;

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fhirFetch(server.fhirBase, path, { headers });
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body;
};
const ids = (bundle: any, mode = 'match'): string[] =>
  (bundle.entry ?? [])
    .filter((e: any) => e.search?.mode === mode)
    .map((e: any) => e.resource.id)
    .sort();
const names = (bundle: any): string[] =>
  (bundle.entry ?? [])
    .filter((e: any) => e.search?.mode === 'match')
    .map((e: any) => e.resource.name[0].family);

function patient(
  id: string,
  family: string,
  given: string,
  birthDate: string,
  cnie: string,
  extra: object = {},
) {
  return {
    resourceType: 'Patient',
    id,
    identifier: [{ system: CNIE, value: cnie }],
    name: [{ family, given: [given] }],
    birthDate,
    ...extra,
  };
}

function weight(id: string, subject: string, kg: number, when: string) {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }], text: 'Poids corporel' },
    subject: { reference: `Patient/${subject}` },
    effectiveDateTime: when,
    valueQuantity: { value: kg, unit: 'kg', system: UCUM, code: 'kg' },
  };
}

before(async () => {
  server = await startTestServer();
  const resources = [
    {
      resourceType: 'Organization',
      id: 'chu-rabat',
      name: 'CHU Ibn Sina',
      identifier: [{ system: 'https://sahti.ma/fhir/NamingSystem/inpe', value: '123456789' }],
    },
    { resourceType: 'Practitioner', id: 'dr-tazi', name: [{ family: 'Tazi', given: ['Salma'] }] },
    patient('p1', 'El Amrani', 'Mohammed', '1980-05-02', 'BE123456', {
      managingOrganization: { reference: 'Organization/chu-rabat' },
      generalPractitioner: [{ reference: 'Practitioner/dr-tazi' }],
    }),
    patient('p2', 'Alaoui', 'Fatima Zahra', '1992-11-20', 'A123457', { gender: 'female' }),
    patient('p3', 'Bennani', 'Mhamed', '1975-01-15', 'J654321', { gender: 'male', active: false }),
    patient('p4', 'Éttazi', 'Youssef', '2001-07-07', 'K111111'),
    { resourceType: 'Patient', id: 'p5', name: [{ family: 'العمراني', given: ['محمد'] }], birthDate: '1999' },
    weight('o1', 'p1', 82.5, '2024-01-10T09:00:00Z'),
    weight('o2', 'p1', 80, '2024-06-10T09:00:00Z'),
    weight('o3', 'p1', 78.25, '2025-01-10T09:00:00Z'),
    weight('o4', 'p2', 61, '2024-03-01'),
    {
      resourceType: 'Observation',
      id: 'bp1',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '85354-9' }] },
      subject: { reference: 'Patient/p2' },
      effectiveDateTime: '2024-03-01T08:00:00+01:00',
      component: [
        {
          code: { coding: [{ system: LOINC, code: '8480-6' }] },
          valueQuantity: { value: 150, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: LOINC, code: '8462-4' }] },
          valueQuantity: { value: 95, unit: 'mm[Hg]', system: UCUM, code: 'mm[Hg]' },
        },
      ],
    },
    {
      resourceType: 'Provenance',
      id: 'prov1',
      target: [{ reference: 'Observation/o1' }],
      recorded: '2024-01-10T09:05:00Z',
      agent: [{ who: { reference: 'Practitioner/dr-tazi' } }],
    },
    {
      resourceType: 'RiskAssessment',
      id: 'ra1',
      status: 'final',
      subject: { reference: 'Patient/p1' },
      prediction: [{ probabilityDecimal: 0.25 }],
    },
    {
      resourceType: 'ValueSet',
      id: 'vs1',
      status: 'active',
      url: 'https://sahti.ma/fhir/ValueSet/dialysis-shifts',
    },
  ];
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${r.resourceType}/${r.id}` },
    })),
  };
  const res = await fhirFetch(server.fhirBase, '', { method: 'POST', body: bundle });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
});
after(() => server?.close());

describe('string search', () => {
  it('matches the start of any name part, ignoring case and accents', async () => {
    assert.deepEqual(ids(await get('/Patient?name=moha')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?family=ettazi')), ['p4']);
    assert.deepEqual(ids(await get('/Patient?name=MHAMED')), ['p3']);
  });
  it('normalises Arabic letter variants', async () => {
    assert.deepEqual(ids(await get(`/Patient?family=${encodeURIComponent('العمرانى')}`)), ['p5']);
  });
  it(':exact is case and accent sensitive, :contains finds inner text', async () => {
    assert.deepEqual(ids(await get('/Patient?family:exact=El%20Amrani')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?family:exact=el%20amrani')), []);
    assert.deepEqual(ids(await get('/Patient?family:contains=lao')), ['p2']);
  });
  it('ORs comma-separated values and ANDs repeated parameters', async () => {
    assert.deepEqual(ids(await get('/Patient?family=alaoui,bennani')), ['p2', 'p3']);
    assert.deepEqual(ids(await get('/Patient?family=alaoui,bennani&gender=male')), ['p3']);
  });
});

describe('token search', () => {
  it('finds a patient by CNIE with and without system', async () => {
    assert.deepEqual(ids(await get(`/Patient?identifier=${encodeURIComponent(`${CNIE}|BE123456`)}`)), ['p1']);
    assert.deepEqual(ids(await get('/Patient?identifier=BE123456')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?identifier=http://other.system|BE123456')), []);
  });
  it('supports :not, :text, booleans and :missing', async () => {
    // :not also matches resources without the element (R4)
    assert.deepEqual(ids(await get('/Patient?gender:not=male&birthdate=lt2000')), ['p1', 'p2', 'p5']);
    assert.deepEqual(ids(await get('/Observation?code:text=poids')), ['o1', 'o2', 'o3', 'o4']);
    assert.deepEqual(ids(await get('/Patient?active=false')), ['p3']);
    assert.deepEqual(ids(await get('/Patient?gender:missing=true')), ['p1', 'p4', 'p5']);
  });
});

describe('date, number and quantity search', () => {
  it('honours prefixes and the precision of the value', async () => {
    assert.deepEqual(ids(await get('/Patient?birthdate=1980')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?birthdate=1980-05')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?birthdate=ge1990-01-01&birthdate=lt2000')), ['p2', 'p5']);
    assert.deepEqual(ids(await get('/Observation?date=2024-03-01&code=29463-7')), ['o4']);
    assert.deepEqual(ids(await get('/Observation?date=sa2024-06-30&code=29463-7')), ['o3']);
    assert.deepEqual(ids(await get('/Observation?date=eb2024-02-01')), ['o1']);
  });
  it('reads a local time with its offset', async () => {
    assert.deepEqual(ids(await get('/Observation?date=2024-03-01T07:00:00Z')), ['bp1']);
  });
  it('compares numbers and quantities with units', async () => {
    assert.deepEqual(ids(await get(`/Observation?value-quantity=gt79|${UCUM}|kg`)), ['o1', 'o2']);
    assert.deepEqual(ids(await get('/Observation?value-quantity=78.25||kg')), ['o3']);
    assert.deepEqual(ids(await get('/Observation?value-quantity=80|http://unitsofmeasure.org|g')), []);
    assert.deepEqual(ids(await get('/RiskAssessment?probability=gt0.2')), ['ra1']);
    // 0.3 means [0.25, 0.35): equality to the precision written
    assert.deepEqual(ids(await get('/RiskAssessment?probability=0.3')), ['ra1']);
    assert.deepEqual(ids(await get('/RiskAssessment?probability=0.30')), []);
  });
  it('matches composite parameters on the same component', async () => {
    const systolic = encodeURIComponent(`${LOINC}|8480-6$gt140`);
    assert.deepEqual(ids(await get(`/Observation?component-code-value-quantity=${systolic}`)), ['bp1']);
    const diastolicHigh = encodeURIComponent(`${LOINC}|8462-4$gt140`);
    assert.deepEqual(ids(await get(`/Observation?component-code-value-quantity=${diastolicHigh}`)), []);
  });
});

describe('reference and uri search', () => {
  it('accepts Type/id, a bare id and an absolute URL to this server', async () => {
    assert.deepEqual(ids(await get('/Observation?subject=Patient/p2')), ['bp1', 'o4']);
    assert.deepEqual(ids(await get('/Observation?patient=p2')), ['bp1', 'o4']);
    assert.deepEqual(
      ids(await get(`/Observation?subject=${encodeURIComponent(`${server.fhirBase}/Patient/p2`)}`)),
      ['bp1', 'o4'],
    );
  });
  it('finds by the identifier of the referenced patient', async () => {
    assert.deepEqual(
      ids(await get(`/Observation?subject:identifier=${encodeURIComponent(`${CNIE}|A123457`)}`)),
      ['bp1', 'o4'],
    );
  });
  it('matches uris exactly or below a prefix', async () => {
    assert.deepEqual(ids(await get('/ValueSet?url=https://sahti.ma/fhir/ValueSet/dialysis-shifts')), ['vs1']);
    assert.deepEqual(ids(await get('/ValueSet?url:below=https://sahti.ma/fhir/')), ['vs1']);
  });
});

describe('chaining and _has', () => {
  it('follows one level of chaining', async () => {
    assert.deepEqual(ids(await get('/Observation?subject.identifier=BE123456')), ['o1', 'o2', 'o3']);
    assert.deepEqual(ids(await get('/Observation?subject:Patient.name=alaoui&code=85354-9')), ['bp1']);
    assert.deepEqual(ids(await get('/Patient?organization.name=chu')), ['p1']);
  });
  it('selects by resources that point back (_has)', async () => {
    assert.deepEqual(ids(await get('/Patient?_has:Observation:subject:code=85354-9')), ['p2']);
    assert.deepEqual(ids(await get('/Patient?_has:Observation:subject:value-quantity=lt70')), ['p2']);
  });
});

describe('result parameters', () => {
  it('sorts by several keys, descending too', async () => {
    assert.deepEqual(names(await get('/Patient?_sort=-birthdate&birthdate=lt2000')), [
      'العمراني',
      'Alaoui',
      'El Amrani',
      'Bennani',
    ]);
    // a missing value sorts first; ties on gender are broken by family, descending
    assert.deepEqual(names(await get('/Patient?_sort=gender,-family&identifier:missing=false')), [
      'Éttazi',
      'El Amrani',
      'Alaoui',
      'Bennani',
    ]);
  });
  it('pages with next links that visit every match once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/Patient?_count=2&_sort=birthdate';
    while (url) {
      const page = await get(url);
      seen.push(...ids(page));
      const next = page.link.find((l: any) => l.relation === 'next')?.url;
      url = next?.slice(server.fhirBase.length);
    }
    assert.deepEqual(seen.sort(), ['p1', 'p2', 'p3', 'p4', 'p5']);
  });
  it('counts with _total and _summary=count', async () => {
    const counted = await get('/Observation?code=29463-7&_summary=count');
    assert.equal(counted.total, 4);
    assert.equal(counted.entry?.length ?? 0, 0);
    assert.equal((await get('/Observation?_count=1&_total=accurate')).total, 5);
  });
  it('subsets resources with _elements and _summary, marked SUBSETTED', async () => {
    const page = await get('/Patient?_id=p1&_elements=birthDate');
    const p = page.entry[0].resource;
    assert.equal(p.birthDate, '1980-05-02');
    assert.equal(p.name, undefined);
    assert.ok(p.meta.tag.some((t: any) => t.code === 'SUBSETTED'));
    const summary = (await get('/Patient?_id=p1&_summary=true')).entry[0].resource;
    assert.ok(summary.name && summary.identifier);
  });
  it('includes referenced and referencing resources, iterating when asked', async () => {
    const page = await get('/Observation?_id=o1&_include=Observation:subject&_revinclude=Provenance:target');
    assert.deepEqual(ids(page), ['o1']);
    assert.deepEqual(ids(page, 'include'), ['p1', 'prov1']);
    const iterate = await get(
      '/Observation?_id=o1&_include=Observation:subject&_include:iterate=Patient:general-practitioner',
    );
    assert.deepEqual(ids(iterate, 'include'), ['dr-tazi', 'p1']);
  });
  it('answers POST _search with form parameters like GET', async () => {
    const res = await fetch(`${server.fhirBase}/Patient/_search`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${server.token}`,
      },
      body: 'family=alaoui',
    });
    assert.equal(res.status, 200);
    assert.deepEqual(ids(await res.json()), ['p2']);
  });
  it('ignores unknown parameters with a warning, or refuses them when strict', async () => {
    const lenient = await get('/Patient?colour=blue&family=alaoui');
    assert.deepEqual(ids(lenient), ['p2']);
    assert.equal(
      lenient.entry.find((e: any) => e.search.mode === 'outcome').resource.issue[0].severity,
      'warning',
    );
    const strict = await fhirFetch(server.fhirBase, '/Patient?colour=blue', {
      headers: { prefer: 'handling=strict' },
    });
    assert.equal(strict.status, 400);
    assert.equal(strict.body.resourceType, 'OperationOutcome');
  });
});

describe('phonetic name search', () => {
  it('finds the spellings of a Maghrebi name from any other spelling', async () => {
    assert.deepEqual(ids(await get('/Patient?phonetic=Mohamed')), ['p1', 'p3']);
    assert.deepEqual(ids(await get('/Patient?phonetic=Muhammad%20Al-Amrani')), ['p1']);
    assert.deepEqual(ids(await get('/Patient?phonetic=Youcef')), ['p4']);
  });
});
