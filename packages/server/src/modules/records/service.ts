/**
 * The records service: a visit recorded by a clinician in one transaction (as the clinician, so
 * the write guard and the audit apply), signing a visit left open, the patient's copy and
 * emergency card, and the emergency card's time-limited public view.
 */
import type {
  AllergyIntolerance,
  Bundle,
  Composition,
  Condition,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Practitioner,
} from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { randomToken, sha256 } from '../../auth/secrets.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { pniStatus } from './pni.ts';
import { CallerFhir } from './reader.ts';
import { type RecordSummary, summarise } from './summary.ts';
import { div, type VisitInput, visitBundle, visitProblems } from './visit.ts';

const WRITERS = ['doctor', 'nurse', 'hub-specialist', 'unit-assistant'];
export const EMERGENCY_LINK_HOURS = Number(process.env.SAHTI_EMERGENCY_LINK_HOURS ?? 72);

const refuse = (
  status: number,
  code: Parameters<typeof outcome>[1],
  text: string,
  expression?: string[],
): never => {
  throw new FhirError(status, outcome('error', code, text, expression));
};

const patientIdOf = (ref: unknown): string => {
  const id = typeof ref === 'string' ? ref.replace(/^Patient\//, '') : '';
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id))
    refuse(400, 'required', 'patient: name the patient (Patient/…)', ['patient']);
  return id;
};

export interface EmergencyView {
  status: 'valid';
  issuedAt: string;
  expiresAt: string;
  summary: Pick<
    RecordSummary,
    | 'name'
    | 'arabicName'
    | 'birthDate'
    | 'bloodGroup'
    | 'allergies'
    | 'medicines'
    | 'emergencyContact'
    | 'problems'
  >;
}

export class RecordsService {
  private readonly ctx: ModuleContext;

  constructor(ctx: ModuleContext) {
    this.ctx = ctx;
  }

  /** Records a visit; answers what it wrote. */
  async recordVisit(
    principal: Principal,
    input: VisitInput,
  ): Promise<{ encounter: string; composition?: string; written: string[] }> {
    const me = principal.fhirUser;
    if (
      principal.kind !== 'staff' ||
      !me?.startsWith('Practitioner/') ||
      !principal.roles.some((r) => WRITERS.includes(r))
    )
      refuse(403, 'forbidden', 'Only care-givers with a practitioner record write visits');
    const problems = visitProblems(input);
    if (problems.length)
      throw new FhirError(400, {
        resourceType: 'OperationOutcome',
        issue: problems.map((p) => ({
          severity: 'error',
          code: 'invalid',
          diagnostics: p,
          expression: [p.split(':')[0]],
        })),
      });
    const caller = new CallerFhir(this.ctx, principal);
    // a patient outside the clinician's care answers as an unknown one
    await caller.read<Patient>('Patient', patientIdOf(input.patient));
    const practitioner = (await this.ctx.store.readIfPresent(
      'Practitioner',
      me!.slice('Practitioner/'.length),
    )) as Practitioner | undefined;
    const display = practitioner?.name?.[0]?.text ?? principal.display;
    const res = await caller.run('POST', '/', [], visitBundle(input, { reference: me!, display }));
    if (res.status !== 200) throw new FhirError(res.status, res.body as never);
    const written = ((res.body as Bundle).entry ?? [])
      .map((e) => e.response?.location?.replace(/\/_history\/.*$/, ''))
      .filter((l): l is string => Boolean(l));
    const encounter = written.find((l) => l.startsWith('Encounter/'))!;
    const composition = written.find((l) => l.startsWith('Composition/'));
    return { encounter, ...(composition ? { composition } : {}), written };
  }

  /** Signs and closes a visit left open: the Encounter finished, its note final and attested. */
  async signVisit(
    principal: Principal,
    encounterId: string,
    note?: string,
  ): Promise<{ encounter: string; composition: string }> {
    const me = principal.fhirUser;
    if (principal.kind !== 'staff' || !me?.startsWith('Practitioner/'))
      refuse(403, 'forbidden', 'Only the clinician of the visit signs it');
    const caller = new CallerFhir(this.ctx, principal);
    const encounter = await caller.read<Encounter>('Encounter', encounterId);
    if (!encounter.participant?.some((p) => p.individual?.reference === me))
      refuse(403, 'forbidden', 'Only a clinician who took part in the visit signs it');
    const notes = await caller.search<Composition>(
      'Composition',
      [['encounter', `Encounter/${encounterId}`]],
      5,
    );
    const now = new Date().toISOString();
    const author = encounter.participant?.find((p) => p.individual?.reference === me)?.individual;
    const existing = notes[0];
    const text = note ?? '';
    if (!existing && !text.trim())
      refuse(400, 'required', 'note: write the visit note before signing', ['note']);
    const composition: Composition = existing
      ? {
          ...existing,
          status: 'final',
          ...(text.trim()
            ? {
                section: [
                  { ...existing.section?.[0], title: 'Note', text: { status: 'generated', div: div(text) } },
                  ...(existing.section?.slice(1) ?? []),
                ],
              }
            : {}),
          attester: [{ mode: 'legal', time: now, party: author }],
          date: now,
        }
      : {
          resourceType: 'Composition',
          status: 'final',
          type: { coding: [{ system: 'http://loinc.org', code: '11506-3', display: 'Progress note' }] },
          subject: encounter.subject,
          encounter: { reference: `Encounter/${encounterId}` },
          date: now,
          author: [author!],
          title: 'Consultation',
          attester: [{ mode: 'legal', time: now, party: author }],
          section: [{ title: 'Note', text: { status: 'generated', div: div(text) } }],
        };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { ...encounter, status: 'finished', period: { ...encounter.period, end: now } },
          request: {
            method: 'PUT',
            url: `Encounter/${encounterId}`,
            ifMatch: `W/"${encounter.meta?.versionId}"`,
          },
        },
        existing
          ? {
              resource: composition,
              request: {
                method: 'PUT',
                url: `Composition/${existing.id}`,
                ifMatch: `W/"${existing.meta?.versionId}"`,
              },
            }
          : { resource: composition, request: { method: 'POST', url: 'Composition' } },
      ],
    };
    const res = await caller.run('POST', '/', [], bundle);
    if (res.status !== 200) throw new FhirError(res.status, res.body as never);
    const location =
      (res.body as Bundle).entry?.[1]?.response?.location?.replace(/\/_history\/.*$/, '') ?? '';
    return { encounter: `Encounter/${encounterId}`, composition: location };
  }

  /** The child's schedule: each PNI dose done, due, late or upcoming. */
  async immunisationStatus(principal: Principal, patient: unknown) {
    const id = patientIdOf(patient);
    const caller = new CallerFhir(this.ctx, principal);
    const p = await caller.read<Patient>('Patient', id);
    if (!p.birthDate) return [];
    const given = await caller.search<Immunization>('Immunization', [['patient', `Patient/${id}`]]);
    return pniStatus(p.birthDate, given);
  }

  /** The record as the caller may read it, summarised. */
  async summary(principal: Principal, patient: unknown): Promise<RecordSummary> {
    const id = patientIdOf(patient);
    const caller = new CallerFhir(this.ctx, principal);
    const ref: [string, string][] = [['patient', `Patient/${id}`]];
    const [p, conditions, allergies, statements, requests, immunizations, observations, compositions] =
      await Promise.all([
        caller.read<Patient>('Patient', id),
        caller.search<Condition>('Condition', ref),
        caller.search<AllergyIntolerance>('AllergyIntolerance', ref),
        caller.search<MedicationStatement>('MedicationStatement', ref),
        caller.search<MedicationRequest>('MedicationRequest', ref),
        caller.search<Immunization>('Immunization', ref),
        caller.search<Observation>('Observation', [...ref, ['_sort', '-date']], 1000),
        caller.search<Composition>('Composition', ref),
      ]);
    return summarise({
      patient: p,
      conditions,
      allergies,
      statements,
      requests,
      immunizations,
      observations,
      compositions,
    });
  }

  /** The patient's copy is the patient's (or their delegate's): clinicians have the chart. */
  assertHolder(principal: Principal): void {
    if (principal.kind !== 'patient')
      refuse(403, 'forbidden', 'The copy of a record is given to the patient (or whoever acts for them)');
  }

  /** A new time-limited link to the emergency view; earlier links stay valid until they expire. */
  async newEmergencyLink(
    principal: Principal,
    patient: unknown,
    hours = EMERGENCY_LINK_HOURS,
  ): Promise<{ token: string; expiresAt: string }> {
    this.assertHolder(principal);
    const id = patientIdOf(patient);
    await new CallerFhir(this.ctx, principal).read<Patient>('Patient', id);
    const token = randomToken();
    const expiresAt = new Date(Date.now() + hours * 3_600_000).toISOString();
    await this.ctx.db.query(
      `INSERT INTO emergency_link (token_hash, patient_id, created_by, expires_at) VALUES ($1::text, $2::text, $3::text, $4::timestamptz)`,
      [sha256(token), id, principal.fhirUser ?? principal.id, expiresAt],
    );
    return { token, expiresAt };
  }

  /** Withdraws every link of a patient's emergency card. */
  async revokeEmergencyLinks(principal: Principal, patient: unknown): Promise<number> {
    this.assertHolder(principal);
    const id = patientIdOf(patient);
    await new CallerFhir(this.ctx, principal).read<Patient>('Patient', id);
    const { rows } = await this.ctx.db.query(
      `UPDATE emergency_link SET revoked_at = now() WHERE patient_id = $1::text AND revoked_at IS NULL AND expires_at > now() RETURNING 1`,
      [id],
    );
    return rows.length;
  }

  /** The public view a QR code opens: the emergency essentials, while the link lasts. Audited. */
  async emergencyView(token: string, address: string): Promise<EmergencyView> {
    const { rows } = await this.ctx.db.query<{
      patient_id: string;
      created_at: Date | string;
      expires_at: Date | string;
    }>(
      `SELECT patient_id, created_at, expires_at FROM emergency_link
        WHERE token_hash = $1::text AND revoked_at IS NULL AND expires_at > now()`,
      [sha256(token)],
    );
    const link = rows[0];
    if (!link) refuse(404, 'not-found', 'This emergency card link is unknown, withdrawn or expired');
    const viewer: Principal = {
      kind: 'system',
      id: 'emergency-card',
      roles: [],
      scopes: ['system/*.rs'],
      display: 'Carte d’urgence (lien QR)',
      clientId: 'emergency-card',
      address,
    };
    const s = await this.summary(viewer, link!.patient_id);
    return {
      status: 'valid',
      issuedAt: new Date(link!.created_at).toISOString(),
      expiresAt: new Date(link!.expires_at).toISOString(),
      summary: {
        name: s.name,
        ...(s.arabicName ? { arabicName: s.arabicName } : {}),
        ...(s.birthDate ? { birthDate: s.birthDate } : {}),
        ...(s.bloodGroup ? { bloodGroup: s.bloodGroup } : {}),
        allergies: s.allergies,
        medicines: s.medicines,
        problems: s.problems,
        ...(s.emergencyContact ? { emergencyContact: s.emergencyContact } : {}),
      },
    };
  }
}
