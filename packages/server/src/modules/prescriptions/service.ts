/**
 * E-prescriptions: signed when written, verified by anyone holding the code, dispensed once,
 * revoked by their prescriber. The MedicationRequests and the Provenance carrying the JWS are in
 * the record; the `prescription` table keeps what must not be in it (the code, sealed) and the
 * one-way states (dispensed, revoked) whose change must be atomic.
 */
import { randomUUID } from 'node:crypto';
import type {
  Location,
  MedicationDispense,
  MedicationRequest,
  Organization,
  Patient,
  Practitioner,
  Provenance,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { FhirError, outcome } from '@sahti/fhir';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import { seal, unseal } from '../../auth/secrets.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { canonicalForm, consistent, type SignedForm } from './canonical.ts';
import { codeHash, newVerificationCode, normalizeCode } from './code.ts';
import { MEDICINE_SYSTEM, medicineDisplay, medicines } from './medicines.ts';
import { type AttachedPharmacy, pharmaciesOf } from './pharmacy.ts';
import { signatureProvenance } from './provenance.ts';
import type { PrescriberKeys } from './signing.ts';
import { isExpired, validityDaysProblem, validityPeriod, validUntil } from './validity.ts';

export const PRESCRIPTION_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/prescription';
const INPE_SYSTEM = 'https://sahti.ma/fhir/NamingSystem/inpe';
export const PRESCRIBERS = ['doctor', 'hub-specialist'];

/** A staff member who records dispensings. */
export const isPharmacist = (principal: Principal): boolean =>
  principal.kind === 'staff' && principal.roles.includes('pharmacist');

/** A staff member who may write prescriptions (the rule of every path that writes one). */
export const isPrescriber = (principal: Principal): boolean =>
  principal.kind === 'staff' &&
  Boolean(principal.fhirUser?.startsWith('Practitioner/')) &&
  principal.roles.some((r) => PRESCRIBERS.includes(r));

const refuse = (status: number, code: Parameters<typeof outcome>[1], text: string): never => {
  throw new FhirError(status, outcome('error', code, text));
};

export interface PrescriptionItemInput {
  code: string;
  dosage: string;
  quantity: number;
  durationDays: number;
  substitution?: boolean;
}

export type VerificationStatus = 'valid' | 'dispensed' | 'revoked' | 'expired' | 'tampered';

interface Row {
  id: string;
  code_sealed: string;
  patient_id: string;
  prescriber: string;
  request_ids: string[];
  provenance_id: string;
  created_at: Date | string;
  dispensed_at: Date | string | null;
  dispensed_by: { pharmacy?: string; inpe?: string } | string | null;
  revoked_at: Date | string | null;
  revoked_reason: string | null;
}

const iso = (v: Date | string | null) => (v === null ? undefined : new Date(v).toISOString());

export function itemsProblem(items: unknown): string | undefined {
  if (!Array.isArray(items) || items.length === 0) return 'items: prescribe at least one medicine';
  if (items.length > 20) return 'items: at most 20 medicines on one prescription';
  for (const [i, item] of items.entries()) {
    const it = (item ?? {}) as Record<string, unknown>;
    if (typeof it.code !== 'string' || !medicines().has(it.code))
      return `items[${i}].code: choose a medicine from the list`;
    if (typeof it.dosage !== 'string' || it.dosage.trim().length < 3 || it.dosage.length > 300)
      return `items[${i}].dosage: write how to take it (3 to 300 characters)`;
    if (!Number.isInteger(it.quantity) || (it.quantity as number) < 1 || (it.quantity as number) > 100)
      return `items[${i}].quantity: a number of boxes from 1 to 100`;
    if (
      !Number.isInteger(it.durationDays) ||
      (it.durationDays as number) < 1 ||
      (it.durationDays as number) > 365
    )
      return `items[${i}].durationDays: a number of days from 1 to 365`;
    if (it.substitution !== undefined && typeof it.substitution !== 'boolean')
      return `items[${i}].substitution: true or false`;
  }
  return undefined;
}

export const nameOf = (r: Patient | Practitioner | undefined): string => {
  const n = r?.name?.[0];
  return n?.text ?? [n?.prefix?.join(' '), n?.given?.join(' '), n?.family].filter(Boolean).join(' ');
};

export class PrescriptionService {
  private readonly ctx: ModuleContext;
  private readonly keys: PrescriberKeys;
  private readonly secretKey: string;
  /** Days a prescription may be dispensed when its prescriber does not say (validity.ts). */
  private readonly validityDays: number;

  constructor(ctx: ModuleContext, keys: PrescriberKeys, secretKey: string, validityDays: number) {
    this.ctx = ctx;
    this.keys = keys;
    this.secretKey = secretKey;
    this.validityDays = validityDays;
  }

  /** The end of a prescription's validity, from its (signed) requests; see validity.ts. */
  private until(row: Row, requests: MedicationRequest[]): string {
    return validUntil(
      requests,
      requests[0]?.authoredOn ?? (iso(row.created_at) as string),
      this.validityDays,
    );
  }

  /** What a holder's list shows: active until it is dispensed, revoked or past its validity. */
  private listStatus(row: Row, requests: MedicationRequest[]) {
    if (row.revoked_at) return 'revoked' as const;
    if (row.dispensed_at) return 'dispensed' as const;
    return isExpired(this.until(row, requests)) ? ('expired' as const) : ('active' as const);
  }

  /** Whether the caller may see this patient's record (their own access, as every read). */
  private async mayRead(principal: Principal, patientId: string): Promise<boolean> {
    if (principal.kind === 'patient') return principal.fhirUser === `Patient/${patientId}`;
    const res = await this.ctx.fhir.handle({
      method: 'GET',
      path: `/Patient/${patientId}`,
      query: [],
      headers: {},
      access: await this.ctx.access.resolve(principal),
    });
    this.ctx.audit.recordRequest(auditInputsForFhir(principal, res));
    return res.status === 200;
  }

  async create(principal: Principal, body: unknown): Promise<{ id: string; code: string }> {
    const b = (body ?? {}) as {
      patient?: unknown;
      encounter?: unknown;
      items?: unknown;
      note?: unknown;
      validityDays?: unknown;
    };
    const practitioner = principal.fhirUser;
    if (!isPrescriber(principal)) refuse(403, 'forbidden', 'Only doctors write prescriptions');
    const patientId = typeof b.patient === 'string' ? b.patient.replace(/^Patient\//, '') : '';
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId))
      refuse(400, 'required', 'patient: name the patient (Patient/…)');
    const problem = itemsProblem(b.items);
    if (problem) refuse(400, 'value', problem);
    if (b.note !== undefined && (typeof b.note !== 'string' || b.note.length > 1000))
      refuse(400, 'value', 'note: at most 1000 characters');
    const validity = validityDaysProblem(b.validityDays);
    if (validity) refuse(400, 'value', validity);
    if (
      b.encounter !== undefined &&
      (typeof b.encounter !== 'string' || !/^Encounter\/[A-Za-z0-9\-.]{1,64}$/.test(b.encounter))
    )
      refuse(400, 'value', 'encounter: Encounter/…');
    // a patient outside the prescriber's care is refused as if unknown
    if (!(await this.mayRead(principal, patientId)))
      refuse(404, 'not-found', `Patient/${patientId} is not known`);
    const patient = (await this.ctx.store.read('Patient', patientId)) as Patient;
    const doctor = (await this.ctx.store.readIfPresent(
      'Practitioner',
      practitioner!.slice('Practitioner/'.length),
    )) as Practitioner | undefined;
    const id = randomUUID();
    const now = new Date().toISOString();
    const items = b.items as PrescriptionItemInput[];
    const validityPeriodOfAll = validityPeriod(
      now,
      (b.validityDays as number | undefined) ?? this.validityDays,
    );
    const requests: MedicationRequest[] = items.map((item) => {
      const m = medicines().get(item.code)!;
      return {
        resourceType: 'MedicationRequest',
        id: randomUUID(),
        identifier: [{ system: PRESCRIPTION_SYSTEM, value: id }],
        groupIdentifier: { system: PRESCRIPTION_SYSTEM, value: id },
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: {
          coding: [{ system: MEDICINE_SYSTEM, code: m.code, display: medicineDisplay(m) }],
          text: medicineDisplay(m),
        },
        subject: { reference: `Patient/${patientId}`, display: nameOf(patient) },
        ...(b.encounter ? { encounter: { reference: b.encounter as string } } : {}),
        authoredOn: now,
        requester: { reference: practitioner!, display: nameOf(doctor) || principal.display },
        dosageInstruction: [{ text: item.dosage.trim() }],
        dispenseRequest: {
          validityPeriod: validityPeriodOfAll,
          quantity: { value: item.quantity, unit: 'boîte' },
          expectedSupplyDuration: {
            value: item.durationDays,
            unit: 'd',
            system: 'http://unitsofmeasure.org',
            code: 'd',
          },
        },
        substitution: { allowedBoolean: item.substitution ?? true },
        ...(typeof b.note === 'string' && b.note.trim() ? { note: [{ text: b.note.trim() }] } : {}),
      };
    });
    const jws = await this.keys.sign(practitioner!, canonicalForm(id, requests));
    const provenanceId = randomUUID();
    const provenance = signatureProvenance({
      id: provenanceId,
      requestIds: requests.map((r) => r.id as string),
      patientId,
      practitioner: practitioner!,
      jws,
      at: now,
    });
    // the requests, their signature and the prescription's row are one transaction, written as
    // the prescriber (their write guard and the write hooks apply): a prescription is never
    // recorded without its requests, nor requests left signed without a prescription to verify
    const writer = this.ctx.store.as(await this.ctx.access.resolve(principal));
    const code = newVerificationCode();
    await this.ctx.db.transaction(async (tx) => {
      // an id that exists already is refused (the ids are fresh: this only guards the create)
      const created = (current: unknown, next: Resource): Resource => {
        if (current) refuse(409, 'conflict', `${next.resourceType}/${next.id} exists already`);
        return next;
      };
      for (const r of requests)
        await writer.modifyWithin(tx, 'MedicationRequest', r.id as string, (current) => created(current, r));
      await writer.modifyWithin(tx, 'Provenance', provenanceId, (current) => created(current, provenance));
      await tx.query(
        `INSERT INTO prescription (id, code_hash, code_sealed, patient_id, prescriber, request_ids, provenance_id)
         VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text[], $7::text)`,
        [
          id,
          codeHash(code),
          seal(code, this.secretKey),
          patientId,
          practitioner,
          requests.map((r) => r.id),
          provenanceId,
        ],
      );
    });
    this.ctx.events.nudge();
    // the audit names the prescriber, as a write of theirs through /fhir/R4 would
    const patientIds = [`Patient/${patientId}`];
    this.ctx.audit.record({
      principal,
      interaction: 'create',
      resourceType: 'MedicationRequest',
      ids: requests.map((r) => r.id as string),
      patientIds,
      outcome: 201,
    });
    this.ctx.audit.record({
      principal,
      interaction: 'create',
      resourceType: 'Provenance',
      ids: [provenanceId],
      patientIds,
      outcome: 201,
    });
    return { id, code };
  }

  private async row(where: 'id' | 'code_hash', value: string): Promise<Row | undefined> {
    return (await this.ctx.db.query<Row>(`SELECT * FROM prescription WHERE ${where} = $1::text`, [value]))
      .rows[0];
  }

  /** Reads what was signed and checks it: tampered when the signature or the content does not hold. */
  private async check(
    row: Row,
  ): Promise<{ intact: boolean; requests: MedicationRequest[]; signed?: SignedForm }> {
    const requests: MedicationRequest[] = [];
    for (const id of row.request_ids) {
      const r = (await this.ctx.store.readIfPresent('MedicationRequest', id)) as
        | MedicationRequest
        | undefined;
      if (!r) return { intact: false, requests };
      requests.push(r);
    }
    const provenance = (await this.ctx.store.readIfPresent('Provenance', row.provenance_id)) as
      | Provenance
      | undefined;
    const signature = provenance?.signature?.find((s) => s.sigFormat === 'application/jose');
    if (!signature?.data) return { intact: false, requests };
    const jws = Buffer.from(signature.data, 'base64').toString('utf8');
    const payload = await this.keys.verify(row.prescriber, jws);
    const intact =
      payload !== undefined &&
      consistent(requests) &&
      requests.every(
        (r) =>
          r.requester?.reference === row.prescriber && r.subject.reference === `Patient/${row.patient_id}`,
      ) &&
      payload === canonicalForm(row.id, requests);
    return { intact, requests, ...(payload ? { signed: JSON.parse(payload) as SignedForm } : {}) };
  }

  /**
   * A prescriber's public key by the `kid` of a JWS header, as a JWK Set, with the prescriber it
   * belongs to: anyone holding a prescription's Provenance checks its signature with it (public).
   */
  async publicKey(kid: string) {
    // a key id is the key's JWK thumbprint (RFC 7638): 43 base64url characters
    if (!/^[A-Za-z0-9_-]{43}$/.test(kid)) refuse(400, 'value', 'kid: a key id is 43 base64url characters');
    const found = await this.keys.publicKey(kid);
    if (!found) return refuse(404, 'not-found', 'No prescriber key has this id');
    return { keys: [found.jwk], practitioner: found.practitioner };
  }

  /** What the public page shows: the status and the least needed to match the paper and the person. */
  async verify(codeInput: string, address?: string) {
    const code = normalizeCode(codeInput);
    const row = code && (await this.row('code_hash', codeHash(code)));
    if (!row) return refuse(404, 'not-found', 'No prescription has this code');
    const { intact, requests } = await this.check(row);
    // whoever holds the code read the patient's medicines: in the patient's access log like any read
    this.ctx.audit.record({
      principal: {
        kind: 'system',
        id: 'prescription-code-holder',
        roles: [],
        scopes: [],
        display: 'holder of the prescription code (public verification)',
        clientId: 'prescription-verification',
        ...(address ? { address } : {}),
      },
      interaction: 'read',
      resourceType: 'MedicationRequest',
      ids: row.request_ids.map((r) => `MedicationRequest/${r}`),
      patientIds: [row.patient_id],
      outcome: 200,
      outcomeDesc: 'prescription verified by its code',
    });
    const until = this.until(row, requests);
    const status: VerificationStatus = !intact
      ? 'tampered'
      : row.revoked_at
        ? 'revoked'
        : row.dispensed_at
          ? 'dispensed'
          : isExpired(until)
            ? 'expired'
            : 'valid';
    const first = requests[0];
    const patient = (await this.ctx.store.readIfPresent('Patient', row.patient_id)) as Patient | undefined;
    const prescriberId = row.prescriber.slice('Practitioner/'.length);
    const prescriber = (await this.ctx.store.readIfPresent('Practitioner', prescriberId)) as
      | Practitioner
      | undefined;
    const by = typeof row.dispensed_by === 'string' ? JSON.parse(row.dispensed_by) : row.dispensed_by;
    return {
      status,
      issued: iso(row.created_at),
      ...(status === 'tampered'
        ? {}
        : {
            validUntil: until,
            prescriber: {
              name: first?.requester?.display ?? nameOf(prescriber),
              inpe: prescriber?.identifier?.find((i) => i.system === INPE_SYSTEM)?.value,
            },
            patient: {
              initials: initials(first?.subject.display ?? nameOf(patient)),
              birthYear: patient?.birthDate?.slice(0, 4),
            },
            items: requests.map((r) => ({
              medication:
                r.medicationCodeableConcept?.text ?? r.medicationCodeableConcept?.coding?.[0]?.display,
              code: r.medicationCodeableConcept?.coding?.[0]?.code,
              dosage: r.dosageInstruction?.[0]?.text,
              quantity: r.dispenseRequest?.quantity?.value,
              durationDays: r.dispenseRequest?.expectedSupplyDuration?.value,
              substitution: r.substitution?.allowedBoolean ?? true,
            })),
          }),
      ...(row.dispensed_at ? { dispensedAt: iso(row.dispensed_at), dispensedBy: by?.pharmacy } : {}),
      ...(row.revoked_at ? { revokedAt: iso(row.revoked_at) } : {}),
    };
  }

  /**
   * Marks the prescription dispensed, once, by a signed-in pharmacist (dispensing is a
   * pharmacist's act: whoever merely holds the paper may check it, not mark it served): a
   * conditional UPDATE decides between concurrent pharmacists (one row lock; the others see it
   * dispensed and get 409). Then the record gets a MedicationDispense per medicine, naming the
   * pharmacist and the pharmacy, and the requests become completed.
   */
  async dispense(principal: Principal, codeInput: string, body: unknown) {
    if (!isPharmacist(principal))
      refuse(403, 'forbidden', 'Dispensing is recorded by a pharmacist, signed in with their own account');
    const address = principal.address;
    const { name: pharmacy, inpe, location, organization } = await this.dispensingPharmacy(principal, body);
    const code = normalizeCode(String(codeInput));
    const row = code && (await this.row('code_hash', codeHash(code)));
    if (!row) return refuse(404, 'not-found', 'No prescription has this code');
    const { intact, requests } = await this.check(row);
    if (!intact) refuse(409, 'business-rule', 'This prescription has been altered: do not dispense it');
    // checked before the claim: a prescription that expires in the milliseconds between is served
    const until = this.until(row, requests);
    if (isExpired(until) && !row.revoked_at && !row.dispensed_at)
      refuse(409, 'business-rule', `This prescription expired on ${until}: it can no longer be dispensed`);
    // the claim and the record are one transaction: a prescription is never marked dispensed
    // without its MedicationDispense, nor the requests completed on top of a version changed
    // since it was verified above (that version's signature is what the pharmacist relied on)
    const recorded = await this.ctx.db.transaction(async (tx) => {
      const claimed = await tx.query<{ dispensed_at: Date | string }>(
        `UPDATE prescription SET dispensed_at = now(), dispensed_by = $2::jsonb
          WHERE id = $1::text AND dispensed_at IS NULL AND revoked_at IS NULL
          RETURNING dispensed_at`,
        [
          row.id,
          JSON.stringify({
            pharmacy,
            ...(inpe ? { inpe } : {}),
            ...(organization ? { organization: organization.reference } : {}),
            pharmacist: { account: principal.id, name: principal.display },
            address,
          }),
        ],
      );
      if (claimed.rows.length === 0) return undefined;
      const at = iso(claimed.rows[0].dispensed_at) as string;
      const dispenses: string[] = [];
      for (const r of requests) {
        await this.ctx.store.modifyWithin(tx, 'MedicationRequest', r.id as string, (current) => {
          if (current?.meta?.versionId !== r.meta?.versionId)
            refuse(
              409,
              'conflict',
              'This prescription changed while it was being dispensed: verify it again',
            );
          return { ...(current as MedicationRequest), status: 'completed' };
        });
        const dispense: MedicationDispense = {
          resourceType: 'MedicationDispense',
          status: 'completed',
          medicationCodeableConcept: r.medicationCodeableConcept,
          subject: { reference: r.subject.reference },
          authorizingPrescription: [{ reference: `MedicationRequest/${r.id}` }],
          quantity: r.dispenseRequest?.quantity,
          whenHandedOver: at,
          performer: [
            {
              actor: principal.fhirUser
                ? { reference: principal.fhirUser, display: principal.display }
                : { display: principal.display },
            },
          ],
          location: { ...location, display: inpe ? `${pharmacy} (INPE ${inpe})` : pharmacy },
        };
        dispenses.push((await this.ctx.store.createWithin(tx, dispense)).resource.id as string);
      }
      return { at, dispenses };
    });
    if (!recorded) {
      const now = await this.row('id', row.id);
      if (now?.revoked_at)
        refuse(409, 'business-rule', 'This prescription has been revoked by its prescriber');
      refuse(
        409,
        'duplicate',
        `This prescription was already dispensed on ${iso(now?.dispensed_at ?? null)}`,
      );
    }
    const { at, dispenses } = recorded as NonNullable<typeof recorded>;
    this.ctx.events.nudge();
    // the record's writes are the platform's; the audit names the pharmacist who asked
    const patientIds = [`Patient/${row.patient_id}`];
    this.ctx.audit.record({
      principal,
      interaction: 'create',
      resourceType: 'MedicationDispense',
      ids: dispenses,
      patientIds,
      outcome: 201,
    });
    this.ctx.audit.record({
      principal,
      interaction: 'update',
      resourceType: 'MedicationRequest',
      ids: requests.map((r) => r.id as string),
      patientIds,
      outcome: 200,
    });
    return { status: 'dispensed' as const, dispensedAt: at };
  }

  /** The pharmacies the signed-in pharmacist dispenses for (pharmacy.ts); none when not attached. */
  async pharmacies(principal: Principal): Promise<AttachedPharmacy[]> {
    if (!isPharmacist(principal)) refuse(403, 'forbidden', 'Pharmacists only');
    return pharmaciesOf(this.ctx.store, principal.fhirUser);
  }

  /**
   * Where a dispensing happens: the pharmacy the pharmacist's account is attached to (by its name
   * when there are several), its INPE from the directory; a name or an INPE typed that is not its
   * own is refused. An account attached to none types the pharmacy's name (and INPE).
   */
  private async dispensingPharmacy(
    principal: Principal,
    body: unknown,
  ): Promise<{
    name: string;
    inpe?: string;
    location?: Reference<Location>;
    organization?: Reference<Organization>;
  }> {
    const b = (body ?? {}) as { pharmacy?: unknown; inpe?: unknown };
    const typed = typeof b.pharmacy === 'string' ? b.pharmacy.trim() : '';
    const typedInpe = typeof b.inpe === 'string' && b.inpe.trim() ? b.inpe.trim() : undefined;
    if (typedInpe !== undefined && !/^[0-9]{9}$/.test(typedInpe)) refuse(400, 'value', 'inpe: 9 digits');
    const attached = await pharmaciesOf(this.ctx.store, principal.fhirUser);
    if (attached.length === 0) {
      if (typed.length < 2 || typed.length > 120)
        refuse(400, 'required', 'pharmacy: the name of the pharmacy');
      return { name: typed, ...(typedInpe ? { inpe: typedInpe } : {}) };
    }
    const names = attached.map((p) => p.name).join(', ');
    const chosen = typed
      ? attached.find((p) => p.name === typed)
      : attached.length === 1
        ? attached[0]
        : undefined;
    if (!chosen) refuse(400, typed ? 'value' : 'required', `pharmacy: this account dispenses for ${names}`);
    const { name, inpe, location, organization } = chosen as AttachedPharmacy;
    if (typedInpe && typedInpe !== inpe) refuse(400, 'value', `inpe: not that of ${name}`);
    return { name, organization, ...(location ? { location } : {}), ...(inpe ? { inpe } : {}) };
  }

  /** The prescriber withdraws a prescription that has not been dispensed. */
  async revoke(principal: Principal, id: string, body: unknown) {
    const reason =
      typeof (body as { reason?: unknown })?.reason === 'string'
        ? (body as { reason: string }).reason.trim()
        : '';
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.row('id', id) : undefined;
    if (!row || row.prescriber !== principal.fhirUser)
      return refuse(404, 'not-found', 'No such prescription of yours');
    if (reason.length < 3 || reason.length > 300)
      refuse(400, 'required', 'reason: say why (3 to 300 characters)');
    // the withdrawal and the cancelled requests are one transaction (as dispensing is)
    const cancelled = await this.ctx.db.transaction(async (tx) => {
      const done = await tx.query(
        `UPDATE prescription SET revoked_at = now(), revoked_reason = $2::text
          WHERE id = $1::text AND revoked_at IS NULL AND dispensed_at IS NULL RETURNING id`,
        [row.id, reason],
      );
      if (done.rows.length === 0)
        refuse(
          409,
          'business-rule',
          row.dispensed_at ? 'Already dispensed: it cannot be revoked' : 'Already revoked',
        );
      const ids: string[] = [];
      for (const rid of row.request_ids) {
        const written = await this.ctx.store.modifyWithin(tx, 'MedicationRequest', rid, (current) =>
          current
            ? { ...(current as MedicationRequest), status: 'cancelled', statusReason: { text: reason } }
            : undefined,
        );
        if (written) ids.push(rid);
      }
      return ids;
    });
    this.ctx.events.nudge();
    this.ctx.audit.record({
      principal,
      interaction: 'update',
      resourceType: 'MedicationRequest',
      ids: cancelled,
      patientIds: [`Patient/${row.patient_id}`],
      outcome: 200,
    });
    return { status: 'revoked' as const };
  }

  /** A patient's prescriptions, for the patient or a care-giver who may read their record. */
  async list(principal: Principal, patientRef: string) {
    const patientId = patientRef.replace(/^Patient\//, '');
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(patientId) || !(await this.mayRead(principal, patientId)))
      return refuse(404, 'not-found', 'No such patient');
    const { rows } = await this.ctx.db.query<Row>(
      'SELECT * FROM prescription WHERE patient_id = $1::text ORDER BY created_at DESC LIMIT 100',
      [patientId],
    );
    const out = [];
    for (const row of rows) out.push(await this.summary(principal, row));
    return out;
  }

  async summary(principal: Principal, row: Row) {
    const requests: MedicationRequest[] = [];
    for (const id of row.request_ids) {
      const r = (await this.ctx.store.readIfPresent('MedicationRequest', id)) as
        | MedicationRequest
        | undefined;
      if (r) requests.push(r);
    }
    const holder =
      principal.fhirUser === `Patient/${row.patient_id}` || principal.fhirUser === row.prescriber;
    return {
      id: row.id,
      issued: iso(row.created_at),
      prescriber: { reference: row.prescriber, name: requests[0]?.requester?.display },
      status: this.listStatus(row, requests),
      validUntil: this.until(row, requests),
      items: requests.map((r) => ({
        medication: r.medicationCodeableConcept?.text,
        dosage: r.dosageInstruction?.[0]?.text,
        quantity: r.dispenseRequest?.quantity?.value,
        durationDays: r.dispenseRequest?.expectedSupplyDuration?.value,
      })),
      // the code lets anyone dispense: only the patient and the prescriber see it
      ...(holder ? { code: unseal(row.code_sealed, this.secretKey) } : {}),
    };
  }

  /** One prescription for its patient or prescriber (the PDF's content). */
  async forHolder(principal: Principal, id: string) {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.row('id', id) : undefined;
    const holder =
      row && (principal.fhirUser === `Patient/${row.patient_id}` || principal.fhirUser === row.prescriber);
    if (!row || !holder) return refuse(404, 'not-found', 'No such prescription');
    const { requests } = await this.check(row);
    const patient = (await this.ctx.store.readIfPresent('Patient', row.patient_id)) as Patient | undefined;
    const prescriber = (await this.ctx.store.readIfPresent(
      'Practitioner',
      row.prescriber.slice('Practitioner/'.length),
    )) as Practitioner | undefined;
    this.ctx.audit.record({
      principal,
      interaction: 'read',
      resourceType: 'MedicationRequest',
      ids: row.request_ids.map((r) => `MedicationRequest/${r}`),
      patientIds: [row.patient_id],
      outcome: 200,
      outcomeDesc: 'prescription printed',
    });
    return {
      id: row.id,
      code: unseal(row.code_sealed, this.secretKey),
      issued: iso(row.created_at) as string,
      status: this.listStatus(row, requests),
      validUntil: this.until(row, requests),
      requests,
      patient: { name: nameOf(patient), birthDate: patient?.birthDate },
      prescriber: {
        name: requests[0]?.requester?.display ?? nameOf(prescriber),
        inpe: prescriber?.identifier?.find((i) => i.system === INPE_SYSTEM)?.value,
      },
    };
  }
}

/** "Salma Amrani" → "S. A." — enough to match the person at the counter, not to name them. */
export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => `${[...w][0]}.`)
    .join(' ');
}
