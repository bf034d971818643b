/**
 * Demo data of the records service, written through the authoritative routes of access v2 (as the
 * platform, the way a hospital system or an administrator would): a rich record for the demo
 * patient (problems, allergies, current medicines, a year of measurements, signed notes, documents,
 * blood group, emergency contact) and her child she acts for (RelatedPerson), and caseloads for the
 * nurse, the unit assistant and the dialysis coordinator (CareTeams set by an administrator) and
 * the hub specialist (accepted referral Tasks). Synthetic people; real medicines (CNOPS list).
 */
import type { Bundle, BundleEntry, Patient, Resource } from '@medplum/fhirtypes';
import { findAccountByLogin, updateAccountRoles } from '../../auth/accounts.ts';
import { CNIE_SYSTEM } from '../../identifiers/morocco.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import { MEDICINE_SYSTEM, medicineDisplay, medicines } from '../prescriptions/medicines.ts';
import { div, ICD10 } from './visit.ts';

export const DEMO_RECORDS_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/demo-records';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VITAL = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
};
const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};
const HTEST = [
  {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'HTEST',
    display: 'test health data',
  },
];
const DAY = 86_400_000;

/** A deterministic wobble (no randomness: the demo is the same at every start). */
const wobble = (i: number, amplitude: number) => Math.round(Math.sin(i * 1.7) * amplitude * 10) / 10;

async function staff(ctx: ModuleContext, role: string): Promise<string | undefined> {
  return (await findAccountByLogin(ctx.db, `${role}@demo.sahti.ma`))?.fhirUser;
}

export async function seedRecordsDemo(ctx: ModuleContext, now = new Date()): Promise<number> {
  const marker = await ctx.store.search('Composition', [
    ['identifier', `${DEMO_RECORDS_SYSTEM}|rich-record`],
  ]);
  if (marker.matches.length > 0) return 0;
  const account = (
    await ctx.db.query<{ fhir_user: string }>(
      `SELECT fhir_user FROM auth_account WHERE demo AND kind = 'patient' AND fhir_user IS NOT NULL ORDER BY login LIMIT 1`,
    )
  ).rows[0];
  if (!account) return 0;
  const patientId = account.fhir_user.slice('Patient/'.length);
  const patient = (await ctx.store.read('Patient', patientId)) as Patient;
  const doctor = (await staff(ctx, 'doctor')) ?? '';
  const nurse = await staff(ctx, 'nurse');
  const hub = await staff(ctx, 'hub-specialist');
  const coordinator = await staff(ctx, 'dialysis-coordinator');
  const subject = { reference: `Patient/${patientId}` };
  const by = { reference: doctor, display: 'Médecin traitant (démo)' };
  const entries: BundleEntry[] = [];
  const add = (resource: Resource, method: 'POST' | 'PUT' = 'POST') => {
    const withLabel = { ...resource, meta: { ...resource.meta, security: HTEST } } as Resource;
    entries.push({
      resource: withLabel,
      request:
        method === 'PUT'
          ? { method, url: `${resource.resourceType}/${resource.id}` }
          : { method, url: resource.resourceType },
    });
  };
  const at = (daysAgo: number, hour = 9) =>
    new Date(now.getTime() - daysAgo * DAY + hour * 3_600_000).toISOString();

  // who to call, on the record itself (the emergency card shows it)
  add(
    {
      ...patient,
      contact: [
        {
          relationship: [
            {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C' }],
              text: 'Sœur',
            },
          ],
          name: { text: 'Nadia Zerouali', family: 'Zerouali', given: ['Nadia'] },
          telecom: [{ system: 'phone', value: '+212600000002' }],
        },
      ],
    },
    'PUT',
  );
  // the platform's demo may already list a problem (in SNOMED CT): a problem list names it once
  const listed = (
    await ctx.store.search('Condition', [
      ['patient', `Patient/${patientId}`],
      ['_count', '50'],
    ])
  ).matches.map((c) => ((c as { code?: { text?: string } }).code?.text ?? '').toLowerCase());
  const condition = (code: string, text: string, onsetDaysAgo: number) =>
    listed.some((known) => known && text.toLowerCase().startsWith(known)) ||
    add({
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' },
          ],
        },
      ],
      code: { coding: [{ system: ICD10, code }], text },
      subject,
      onsetDateTime: at(onsetDaysAgo).slice(0, 10),
      recordedDate: at(onsetDaysAgo),
      recorder: by,
    });
  condition('I10', 'Hypertension artérielle', 900);
  condition('E11.9', 'Diabète de type 2, sans complication', 700);
  condition('E78.0', 'Hypercholestérolémie', 400);
  add({
    resourceType: 'AllergyIntolerance',
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: 'confirmed',
        },
      ],
    },
    type: 'allergy',
    category: ['medication'],
    criticality: 'high',
    code: { text: 'Pénicilline (amoxicilline)' },
    patient: subject,
    recordedDate: at(2000),
    recorder: by,
    reaction: [{ manifestation: [{ text: 'Urticaire généralisée, œdème des lèvres' }], severity: 'severe' }],
  });
  for (const [code, dosage, since] of [
    ['6118000070979', '1 comprimé le matin', 880],
    ['6118001121373', '1 comprimé matin et soir au cours des repas', 690],
    ['6118001183104', '1 comprimé le soir', 390],
  ] as const) {
    const m = medicines().get(code);
    if (!m) continue;
    add({
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: {
        coding: [{ system: MEDICINE_SYSTEM, code, display: medicineDisplay(m) }],
        text: medicineDisplay(m),
      },
      subject,
      effectivePeriod: { start: at(since).slice(0, 10) },
      dateAsserted: at(since),
      informationSource: by,
      dosage: [{ text: dosage }],
    });
  }
  add({
    resourceType: 'Observation',
    status: 'final',
    category: [LAB],
    code: {
      coding: [{ system: LOINC, code: '882-1', display: 'ABO and Rh group [Type] in Blood' }],
      text: 'Groupe sanguin',
    },
    subject,
    effectiveDateTime: at(1500),
    valueString: 'O+',
  });
  // a year of measurements: monthly blood pressure and weight, glucose, HbA1c every three months
  for (let month = 12; month >= 0; month--) {
    const when = at(month * 30 + 3, 10);
    const drift = (12 - month) / 12;
    add({
      resourceType: 'Observation',
      status: 'final',
      category: [VITAL],
      code: { coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }] },
      subject,
      effectiveDateTime: when,
      performer: [by],
      component: [
        {
          code: { coding: [{ system: LOINC, code: '8480-6' }] },
          valueQuantity: {
            value: Math.round(156 - 22 * drift + wobble(month, 4)),
            unit: 'mm[Hg]',
            system: UCUM,
            code: 'mm[Hg]',
          },
        },
        {
          code: { coding: [{ system: LOINC, code: '8462-4' }] },
          valueQuantity: {
            value: Math.round(95 - 12 * drift + wobble(month + 3, 3)),
            unit: 'mm[Hg]',
            system: UCUM,
            code: 'mm[Hg]',
          },
        },
      ],
    });
    add({
      resourceType: 'Observation',
      status: 'final',
      category: [VITAL],
      code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
      subject,
      effectiveDateTime: when,
      valueQuantity: {
        value: Math.round((82 - 5 * drift + wobble(month, 0.6)) * 10) / 10,
        unit: 'kg',
        system: UCUM,
        code: 'kg',
      },
    });
    add({
      resourceType: 'Observation',
      status: 'final',
      category: [LAB],
      code: { coding: [{ system: LOINC, code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }] },
      subject,
      effectiveDateTime: when,
      valueQuantity: {
        value: Math.round(168 - 45 * drift + wobble(month, 9)),
        unit: 'mg/dL',
        system: UCUM,
        code: 'mg/dL',
      },
    });
    if (month % 3 === 0)
      add({
        resourceType: 'Observation',
        status: 'final',
        category: [LAB],
        code: {
          coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }],
        },
        subject,
        effectiveDateTime: when,
        valueQuantity: {
          value: Math.round((8.4 - 1.5 * drift) * 10) / 10,
          unit: '%',
          system: UCUM,
          code: '%',
        },
      });
  }
  const note = (daysAgo: number, title: string, text: string, marker?: string) =>
    add({
      resourceType: 'Composition',
      ...(marker ? { identifier: { system: DEMO_RECORDS_SYSTEM, value: marker } } : {}),
      status: 'final',
      type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
      subject,
      date: at(daysAgo, 11),
      author: [by],
      title,
      attester: [{ mode: 'legal', time: at(daysAgo, 11), party: by }],
      section: [{ title: 'Note', text: { status: 'generated', div: div(text) } }],
    });
  note(
    360,
    'Consultation — Suivi du diabète',
    'HbA1c à 8,4 %. Renforcement des règles hygiéno-diététiques.\nAjout de Glucovance matin et soir.',
    'rich-record',
  );
  note(
    180,
    'Consultation — Tension artérielle',
    'Tension 142/88 sous amlodipine. Poids en baisse de 3 kg.\nPoursuite du traitement, contrôle dans 3 mois.',
  );
  note(
    30,
    'Consultation — Bilan annuel',
    'Bonne évolution : tension 134/83, HbA1c 6,9 %.\nFond d’œil à programmer. Vaccin antigrippal fait.',
  );
  const document = (daysAgo: number, title: string, text: string) =>
    add({
      resourceType: 'DocumentReference',
      status: 'current',
      type: {
        coding: [{ system: LOINC, code: '11502-2', display: 'Laboratory report' }],
        text: 'Compte rendu',
      },
      subject,
      date: at(daysAgo),
      author: [by],
      description: title,
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            title,
            data: Buffer.from(text, 'utf8').toString('base64'),
          },
        },
      ],
    });
  document(
    95,
    'Bilan lipidique',
    'Cholestérol total 2,10 g/L ; LDL 1,25 g/L ; HDL 0,48 g/L ; triglycérides 1,40 g/L.',
  );
  document(
    40,
    'Échographie rénale',
    'Reins de taille et d’échostructure normales. Pas de dilatation des cavités.',
  );

  // her child, whom she looks after: a documented relationship recorded by the platform
  const childUrl = 'urn:uuid:7a0c5b2e-0000-4000-8000-00000000c001';
  entries.push({
    fullUrl: childUrl,
    resource: {
      resourceType: 'Patient',
      meta: { security: HTEST },
      name: [
        { use: 'official', text: 'Rayan Zerouali', family: 'Zerouali', given: ['Rayan'] },
        {
          use: 'usual',
          text: 'ريان الزروالي',
          extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
        },
      ],
      gender: 'male',
      birthDate: new Date(now.getTime() - 300 * DAY).toISOString().slice(0, 10),
    },
    request: { method: 'POST', url: 'Patient' },
  });
  const cnie = patient.identifier?.find((i) => i.system === CNIE_SYSTEM)?.value;
  if (cnie)
    add({
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: childUrl },
      identifier: [{ system: CNIE_SYSTEM, value: cnie }],
      name: patient.name,
      relationship: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
              code: patient.gender === 'male' ? 'FTH' : 'MTH',
            },
          ],
        },
      ],
    });
  for (const [antigen, dose, cvx, vaccine, daysAfterBirth] of [
    ['BCG', 1, '19', 'BCG', 1],
    ['VPO', 0, '02', 'Vaccin polio oral (dose zéro)', 1],
    ['HB', 1, '08', 'Hépatite B (HB1)', 1],
    ['DTC', 1, '01', 'Diphtérie-tétanos-coqueluche (DTC1)', 43],
    ['VPO', 1, '02', 'Vaccin polio oral (VPO1)', 43],
    ['HB', 2, '08', 'Hépatite B (HB2)', 43],
    ['DTC', 2, '01', 'Diphtérie-tétanos-coqueluche (DTC2)', 72],
    ['VPO', 2, '02', 'Vaccin polio oral (VPO2)', 72],
  ] as const)
    add({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: {
        coding: [
          { system: 'https://sahti.ma/fhir/CodeSystem/pni-antigen', code: antigen, display: vaccine },
          { system: 'http://hl7.org/fhir/sid/cvx', code: cvx },
        ],
        text: vaccine,
      },
      patient: { reference: childUrl },
      occurrenceDateTime: new Date(now.getTime() - (300 - daysAfterBirth) * DAY).toISOString().slice(0, 10),
      primarySource: true,
      ...(nurse ? { performer: [{ actor: { reference: nurse } }] } : {}),
      protocolApplied: [
        dose > 0
          ? { series: 'PNI', doseNumberPositiveInt: dose }
          : { series: 'PNI', doseNumberString: String(dose) },
      ],
    });

  // caseloads, through the authoritative routes: care teams an administrator sets, accepted referrals
  const { matches } = await ctx.store.search('Patient', [
    ['identifier', `${CNIE_SYSTEM}|`],
    ['_count', '200'],
    ['_sort', 'identifier'],
  ]);
  const others = (matches as Patient[]).filter((p) => p.id !== patientId);
  const dialysis = new Set(
    (
      await ctx.store.search('Condition', [
        ['code', 'http://snomed.info/sct|433146000'],
        ['_count', '50'],
      ])
    ).matches.map((c) => (c as { subject?: { reference?: string } }).subject?.reference),
  );
  const team = (members: string[], patients: Patient[], name: string) => {
    for (const p of patients)
      add({
        resourceType: 'CareTeam',
        status: 'active',
        name,
        subject: { reference: `Patient/${p.id}` },
        period: { start: at(60).slice(0, 10) },
        participant: members.map((m) => ({ member: { reference: m } })),
      });
  };
  if (nurse)
    team([nurse, ...(doctor ? [doctor] : [])], others.slice(0, 8), 'Suivi infirmier des maladies chroniques');
  const assistant = await unitAssistantPractitioner(ctx);
  if (assistant) team([assistant], others.slice(8, 14), 'Tournée de l’unité médicale mobile');
  if (coordinator) {
    const cohort = others.filter((p) => dialysis.has(`Patient/${p.id}`));
    team([coordinator], cohort.length ? cohort : others.slice(14, 18), 'Suivi en hémodialyse');
  }
  if (hub && doctor)
    for (const p of others.slice(18, 22)) {
      const requestUrl = `urn:uuid:7a0c5b2e-0000-4000-8000-${String(entries.length).padStart(12, '0')}`;
      entries.push({
        fullUrl: requestUrl,
        resource: {
          resourceType: 'ServiceRequest',
          meta: { security: HTEST },
          status: 'active',
          intent: 'order',
          category: [
            { coding: [{ system: 'http://snomed.info/sct', code: '3457005', display: 'Patient referral' }] },
          ],
          code: { text: 'Télé-expertise cardiologique : avis sur un souffle systolique' },
          subject: { reference: `Patient/${p.id}` },
          requester: { reference: doctor },
          performer: [{ reference: hub }],
          authoredOn: at(10),
        },
        request: { method: 'POST', url: 'ServiceRequest' },
      });
      add({
        resourceType: 'Task',
        status: 'accepted',
        intent: 'order',
        focus: { reference: requestUrl },
        for: { reference: `Patient/${p.id}` },
        requester: { reference: doctor },
        owner: { reference: hub },
        authoredOn: at(10),
        description: 'Télé-expertise cardiologique',
      });
    }

  const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: entries };
  const res = await ctx.fhir.handle({ method: 'POST', path: '/', query: [], headers: {}, body: bundle });
  if (res.status !== 200) throw new Error(`records demo refused: ${JSON.stringify(res.body).slice(0, 400)}`);
  ctx.access.careViews.invalidate();
  return entries.length;
}

/** The unit assistant works as a Practitioner of the mobile unit: one is created for the demo account. */
async function unitAssistantPractitioner(ctx: ModuleContext): Promise<string | undefined> {
  const account = await findAccountByLogin(ctx.db, 'unit-assistant@demo.sahti.ma');
  if (!account) return undefined;
  if (account.fhirUser) return account.fhirUser;
  const created = await ctx.store.create({
    resourceType: 'Practitioner',
    meta: { security: HTEST },
    active: true,
    name: [{ use: 'official', text: 'Salma Ouazzani', family: 'Ouazzani', given: ['Salma'] }],
  });
  const reference = `Practitioner/${created.resource.id}`;
  await updateAccountRoles(ctx.db, account.id, { fhirUser: reference, displayName: 'Salma Ouazzani' });
  return reference;
}
