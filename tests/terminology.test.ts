/**
 * ICD-10 through HTTP on both databases: a visit naming a code ICD-10 does not have is refused with
 * a 400 OperationOutcome on that field and writes nothing; a real code gets its French ATIH title
 * as coding.display beside the clinician's wording; CodeSystem/$lookup and ValueSet/$expand answer
 * in French and Arabic (French when the set has no Arabic title), and only to a signed-in caller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Person, signIn } from './support/people.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
let server: TestServer;
let doctor: Person;
let patient: Person;

before(async () => {
  server = await startTestServer();
  const put = async (resource: Record<string, unknown>) => {
    const res = await fhirFetch(server.fhirBase, `/${resource.resourceType}/${resource.id}`, {
      method: 'PUT',
      body: resource,
    });
    assert.ok(res.status < 300, JSON.stringify(res.body));
  };
  await put({ resourceType: 'Practitioner', id: 'icd-doc', name: [{ text: 'Dr Salma Idrissi' }] });
  await put({
    resourceType: 'Patient',
    id: 'icd-p',
    name: [{ text: 'Omar Benali' }],
    birthDate: '1975-02-01',
  });
  // the visit filed by the hospital system opens the doctor's care relationship
  await put({
    resourceType: 'Encounter',
    id: 'icd-his',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: 'Patient/icd-p' },
    participant: [{ individual: { reference: 'Practitioner/icd-doc' } }],
    period: { start: new Date(Date.now() - 3_600_000).toISOString(), end: new Date().toISOString() },
  });
  doctor = await signIn(server, ['doctor'], 'Practitioner/icd-doc');
  patient = await signIn(server, ['patient'], 'Patient/icd-p');
});
after(() => server?.close());

const visit = (diagnoses: { code: string; text?: string }[]) => ({
  patient: 'Patient/icd-p',
  mode: 'in-person',
  diagnoses,
  note: 'Contrôle.',
  sign: true,
});
const count = async (type: string) =>
  (await fhirFetch(server.fhirBase, `/${type}?patient=Patient/icd-p&_summary=count`)).body.total as number;

describe('a diagnosis must be an ICD-10 code', () => {
  it('a code ICD-10 does not have is refused with 400 naming the field, and nothing is written', async () => {
    const before = { encounters: await count('Encounter'), conditions: await count('Condition') };
    const res = await doctor.call('/api/records/visits', {
      method: 'POST',
      body: visit([
        { code: 'I10', text: 'HTA' },
        { code: 'J02.7', text: 'Angine' },
      ]),
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.deepEqual(
      res.body.issue.map((i: { expression: string[] }) => i.expression[0]),
      ['diagnoses[1].code'],
    );
    assert.match(res.body.issue[0].diagnostics, /J02\.7 is not an ICD-10 code/);
    assert.deepEqual({ encounters: await count('Encounter'), conditions: await count('Condition') }, before);
  });

  it("a real code gets its French title as display, beside the clinician's wording; the wording may be left out", async () => {
    const res = await doctor.call('/api/records/visits', {
      method: 'POST',
      body: visit([{ code: 'j029', text: 'Angine virale' }, { code: 'N18.5' }]),
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const conditions = (await patient.fhir('/Condition?patient=Patient/icd-p')).body.entry
      .map((e: { resource: { code: { coding: { code: string }[] } } }) => e.resource.code)
      .sort((a: { coding: { code: string }[] }, b: { coding: { code: string }[] }) =>
        a.coding[0].code.localeCompare(b.coding[0].code),
      );
    assert.deepEqual(conditions, [
      {
        coding: [{ system: ICD10, code: 'J02.9', display: 'Pharyngite (aiguë), sans précision' }],
        text: 'Angine virale',
      },
      { coding: [{ system: ICD10, code: 'N18.5', display: 'Maladie rénale chronique, stade 5' }] },
    ]);
  });
});

describe('CodeSystem/$lookup and ValueSet/$expand', () => {
  const param = (body: { parameter: { name: string; valueString?: string }[] }, name: string) =>
    body.parameter.find((p) => p.name === name)?.valueString;

  it('$lookup titles a code in French, in Arabic, and in French when there is no Arabic title', async () => {
    const fr = await doctor.fhir(`/CodeSystem/$lookup?system=${ICD10}&code=J02.9`);
    assert.equal(fr.status, 200, JSON.stringify(fr.body));
    assert.equal(param(fr.body, 'display'), 'Pharyngite (aiguë), sans précision');
    assert.equal(param(fr.body, 'name'), 'ICD-10');
    const ar = await patient.fhir(`/CodeSystem/$lookup?system=${ICD10}&code=J02.9&displayLanguage=ar`);
    assert.equal(param(ar.body, 'display'), 'التهاب البلعوم الحاد، غير محدد');
    const languages = ar.body.parameter
      .filter((p: { name: string }) => p.name === 'designation')
      .map((p: { part: { name: string; valueCode?: string }[] }) => p.part[0].valueCode);
    assert.deepEqual(languages, ['fr', 'ar', 'en']);
    const untranslated = await doctor.fhir(
      `/CodeSystem/$lookup?system=${ICD10}&code=A00.0&displayLanguage=ar`,
    );
    assert.equal(param(untranslated.body, 'display'), 'Choléra à Vibrio cholerae 01, biovar cholerae');
  });

  it('$lookup of an unknown code is 404, of another system 400, both as OperationOutcome', async () => {
    const unknown = await doctor.fhir(`/CodeSystem/$lookup?system=${ICD10}&code=J02.7`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.resourceType, 'OperationOutcome');
    assert.deepEqual(unknown.body.issue[0].expression, ['code']);
    const other = await doctor.fhir('/CodeSystem/$lookup?system=http://snomed.info/sct&code=38341003');
    assert.equal(other.status, 400);
    assert.deepEqual(other.body.issue[0].expression, ['system']);
  });

  it('$expand finds codes by words without accents, in French and Arabic, best first', async () => {
    const url = encodeURIComponent(`${ICD10}?vs`);
    const fr = await doctor.fhir(`/ValueSet/$expand?url=${url}&filter=pharyngite&count=5`);
    assert.equal(fr.status, 200, JSON.stringify(fr.body));
    assert.equal(fr.body.resourceType, 'ValueSet');
    const contains = fr.body.expansion.contains as { code: string; display: string; system: string }[];
    assert.ok(contains.length <= 5 && fr.body.expansion.total >= contains.length);
    const j029 = contains.find((c) => c.code === 'J02.9');
    assert.deepEqual(j029 && { system: j029.system, display: j029.display }, {
      system: ICD10,
      display: 'Pharyngite (aiguë), sans précision',
    });
    const accents = await doctor.fhir(
      `/ValueSet/$expand?url=${url}&filter=${encodeURIComponent('DIABETE type 2 sans')}&count=1`,
    );
    assert.equal(accents.body.expansion.contains[0].code, 'E11.9');

    const ar = await doctor.fhir(`/ValueSet/$expand?url=${url}&filter=pharyngite&count=5&displayLanguage=ar`);
    const arabic = (
      ar.body.expansion.contains as { code: string; display: string; designation: { language: string }[] }[]
    ).find((c) => c.code === 'J02.9');
    assert.equal(arabic?.display, 'التهاب البلعوم الحاد، غير محدد');
    assert.equal(arabic?.designation[0].language, 'ar');
    const byArabic = await doctor.fhir(
      `/ValueSet/$expand?url=${url}&filter=${encodeURIComponent('الربو')}&displayLanguage=ar`,
    );
    assert.ok(byArabic.body.expansion.contains.some((c: { code: string }) => c.code === 'J45.9'));
  });

  it('$expand names a wrong parameter', async () => {
    const noUrl = await doctor.fhir('/ValueSet/$expand?filter=angine');
    assert.equal(noUrl.status, 400);
    assert.deepEqual(noUrl.body.issue[0].expression, ['url']);
    const language = await doctor.fhir(
      `/ValueSet/$expand?url=${encodeURIComponent(`${ICD10}?vs`)}&filter=angine&displayLanguage=de`,
    );
    assert.equal(language.status, 400);
    assert.deepEqual(language.body.issue[0].expression, ['displayLanguage']);
  });

  it('without signing in, both are refused with 401', async () => {
    for (const path of [
      `/CodeSystem/$lookup?system=${ICD10}&code=I10`,
      `/ValueSet/$expand?url=${encodeURIComponent(`${ICD10}?vs`)}&filter=angine`,
    ]) {
      const res = await fetch(`${server.fhirBase}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as { resourceType: string }).resourceType, 'OperationOutcome');
    }
  });
});
