/**
 * What the screens show of a stay — for the patient, the home care-givers and the destination —
 * and the lists: a patient's stays, the stays of the patients a care-giver follows at home, and a
 * centre's incoming requests. Only stays the caller may see are listed (see stay-store.roleIn).
 */
import type { Composition, Observation, Patient, Procedure, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import { isCareGiver } from '../../access/policy.ts';
import { actorReferences } from '../../access/relations/visible.ts';
import type { Principal } from '../../kernel/principal.ts';
import { appointmentsOf } from './decide.ts';
import type { DialysisDeps } from './deps.ts';
import {
  listStays,
  patientName,
  type Role,
  readResource,
  roleIn,
  type StayRow,
  stayRow,
} from './stay-store.ts';
import { accessDeps, centre, checksFor, sharingInForce } from './stays.ts';
import { EXT, SESSION_CODES, SESSION_ID_SYSTEM, STAY_LETTER } from './terms.ts';

async function summaryOf(deps: DialysisDeps, stay: StayRow) {
  const c = await centre(deps, stay.service_id);
  const patient = await readResource<Patient>(deps.ctx.db, deps.ctx.store, 'Patient', stay.patient_id);
  return {
    id: stay.id,
    state: stay.state,
    arrival: stay.arrival,
    departure: stay.departure,
    abroad: stay.abroad,
    createdAt: new Date(stay.created_at).toISOString(),
    patient: {
      reference: `Patient/${stay.patient_id}`,
      name: patientName(patient),
      birthDate: patient?.birthDate,
      gender: patient?.gender,
    },
    centre: c
      ? {
          service: `HealthcareService/${c.service_id}`,
          organization: c.organization,
          name: c.name,
          city: c.city,
          country: c.country,
          languages: c.languages,
          ...(c.price !== null ? { price: { value: Number(c.price), currency: c.currency ?? 'MAD' } } : {}),
        }
      : { service: `HealthcareService/${stay.service_id}`, organization: stay.organization, name: '' },
  };
}

const sessionCode = (o: Observation) =>
  o.code.coding?.find((c) => c.system?.endsWith('guest-dialysis'))?.code;

export async function stayView(deps: DialysisDeps, principal: Principal, id: string) {
  const { stay, role } = await roleIn(accessDeps(deps), principal, await stayRow(deps.ctx.db, id));
  return viewOf(deps, stay, role);
}

export async function viewOf(deps: DialysisDeps, stay: StayRow, role: Role) {
  const store: FhirStore = deps.ctx.store;
  const sr = await readResource<ServiceRequest>(deps.ctx.db, store, 'ServiceRequest', stay.id);
  const ext = (url: string) => sr?.extension?.filter((e) => e.url === url) ?? [];
  const wanted = ext(EXT.wanted).map((e) => ({
    date: e.extension?.find((x) => x.url === 'date')?.valueDate,
    shift: e.extension?.find((x) => x.url === 'shift')?.valueCode,
  }));
  const approvalExt = ext(EXT.approval)[0];
  const approval = approvalExt
    ? {
        by: approvalExt.extension?.find((x) => x.url === 'by')?.valueReference,
        date: approvalExt.extension?.find((x) => x.url === 'date')?.valueDateTime,
        note: approvalExt.extension?.find((x) => x.url === 'note')?.valueString,
      }
    : undefined;
  const task = stay.task_id ? await readResource<Task>(deps.ctx.db, store, 'Task', stay.task_id) : undefined;
  const appointments = await appointmentsOf(deps, deps.ctx.db, stay.id);
  const procedures = (
    await store.search('Procedure', [
      ['based-on', `ServiceRequest/${stay.id}`],
      ['_count', '100'],
    ])
  ).matches as Procedure[];
  const observations = (
    await store.search('Observation', [
      ['based-on', `ServiceRequest/${stay.id}`],
      ['_count', '500'],
    ])
  ).matches as Observation[];
  const letters = (
    await store.search('Composition', [
      ['subject', `Patient/${stay.patient_id}`],
      ['type', `${STAY_LETTER.system}|${STAY_LETTER.code}`],
      ['_count', '20'],
    ])
  ).matches as Composition[];
  // the destination sees the facts read from the live record only while the patient's sharing holds
  const withdrawn = role === 'destination' && !(await sharingInForce(deps, stay));
  const checks =
    ['draft', 'sent'].includes(stay.state) && !withdrawn ? await checksFor(deps, stay) : undefined;
  const sessions = appointments.map((a) => {
    const record = procedures.find((p) =>
      p.identifier?.some((i) => i.system === SESSION_ID_SYSTEM && i.value === a.id),
    );
    const of = (code: string) =>
      record
        ? observations.find(
            (o) => sessionCode(o) === code && o.partOf?.some((x) => x.reference === `Procedure/${record.id}`),
          )
        : undefined;
    const bp = (o: Observation | undefined) =>
      o ? `${o.component?.[0]?.valueQuantity?.value}/${o.component?.[1]?.valueQuantity?.value}` : undefined;
    return {
      appointment: a.id,
      start: a.start,
      end: a.end,
      status: a.status,
      chair: a.extension?.find((e) => e.url === EXT.chairLabel)?.valueString,
      ...(record
        ? {
            record: {
              procedure: record.id,
              preWeightKg: of(SESSION_CODES.preWeight)?.valueQuantity?.value,
              postWeightKg: of(SESSION_CODES.postWeight)?.valueQuantity?.value,
              preBp: bp(of(SESSION_CODES.preBp)),
              postBp: bp(of(SESSION_CODES.postBp)),
              ultrafiltrationMl: of(SESSION_CODES.ultrafiltration)?.valueQuantity?.value,
              incidents: (record.complication ?? []).map((c) => c.text ?? ''),
              recordedBy: record.performer?.[0]?.actor?.display,
            },
          }
        : {}),
    };
  });
  // the letter names its stay; letters written before they did: the centre's first one since the request
  const since = new Date(stay.created_at).toISOString();
  const letter =
    letters.find((l) =>
      l.event?.some((e) => e.detail?.some((d) => d.reference === `ServiceRequest/${stay.id}`)),
    ) ??
    letters.find(
      (l) => !l.event?.length && l.custodian?.reference === stay.organization && (l.date ?? '') >= since,
    );
  return {
    ...(await summaryOf(deps, stay)),
    role,
    wanted,
    ...(approval ? { approval } : {}),
    ...(checks ? { readiness: checks.items, noticeOk: checks.noticeOk } : {}),
    ...(task?.status === 'rejected'
      ? { decline: { reason: task.statusReason?.coding?.[0]?.code, text: task.statusReason?.text } }
      : {}),
    sessions,
    ...(letter
      ? {
          letter: {
            id: letter.id,
            date: letter.date,
            author: letter.author?.[0]?.display,
            sections: (letter.section ?? []).map((s) => ({ title: s.title, html: s.text?.div })),
          },
        }
      : {}),
    hasSummary: !!stay.summary_id && !withdrawn,
    ...(withdrawn && stay.summary_id ? { sharingWithdrawn: true } : {}),
  };
}

/** The caller's list: a patient's own stays; a care-giver's patients' stays (home) and their centres' requests. */
export async function listFor(deps: DialysisDeps, principal: Principal) {
  if (principal.kind === 'patient' && principal.fhirUser?.startsWith('Patient/')) {
    const rows = await listStays(deps.ctx.db, 'patient_id = $1::text', [principal.fhirUser.slice(8)]);
    return { mine: await Promise.all(rows.map((r) => summaryOf(deps, r))), incoming: [], followed: [] };
  }
  if (
    principal.kind !== 'staff' ||
    !isCareGiver(principal) ||
    !principal.fhirUser?.startsWith('Practitioner/')
  )
    return { mine: [], incoming: [], followed: [] };
  const actors = await actorReferences(deps.ctx.db, principal.fhirUser);
  const organizations = actors.filter((a) => a.startsWith('Organization/'));
  const incoming = await listStays(deps.ctx.db, "organization = ANY($1::text[]) AND state <> 'draft'", [
    organizations,
  ]);
  const access = await deps.ctx.access.resolve(principal);
  const patients = access.scope?.patients;
  const followed =
    patients === 'all' || !patients
      ? []
      : await listStays(
          deps.ctx.db,
          'patient_id = ANY($1::text[]) AND NOT (organization = ANY($2::text[]))',
          [[...patients], organizations],
        );
  return {
    mine: [],
    incoming: await Promise.all(incoming.map((r) => summaryOf(deps, r))),
    followed: await Promise.all(followed.map((r) => summaryOf(deps, r))),
  };
}
