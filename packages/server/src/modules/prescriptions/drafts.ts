/**
 * Prescriptions written where they cannot be signed: the signing key is sealed on the server
 * (signing.ts), so a mobile unit's GP prescribing offline writes the MedicationRequests as drafts
 * (status `draft`, `identifier` and `groupIdentifier` = PRESCRIPTION_SYSTEM|<uuid made on the
 * device>), they travel in the field sync, and are signed once they arrive:
 *  - prescriptionWriteHook, inside every write: a staff member writes MedicationRequests only as a
 *    prescriber (doctors, hub specialists; a nurse or an assistant gets 403 whatever the path),
 *    always in their own name (requester: 403 otherwise), and a draft of a Sahti prescription
 *    passes the service's own catalogue rules (itemsProblem) — a refused write changes nothing;
 *  - DraftSigner.sign (`POST MedicationRequest/$sign`, Parameters `prescription`): as the
 *    prescriber, the drafts become active, signed by their key with the Provenance and the
 *    verification code of a prescription written online. Signing twice answers the first result.
 * A draft is never dispensable: no code exists until it is signed.
 */
import type {
  Bundle,
  Parameters as FhirParameters,
  MedicationRequest,
  Patient,
  Practitioner,
} from '@medplum/fhirtypes';
import { FhirError, type FhirOperation, outcome, type WriteHook } from '@sahti/fhir';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import { seal, unseal } from '../../auth/secrets.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { canonicalForm } from './canonical.ts';
import { codeHash, newVerificationCode } from './code.ts';
import { MEDICINE_SYSTEM } from './medicines.ts';
import { signatureProvenance } from './provenance.ts';
import { isPrescriber, itemsProblem, nameOf, PRESCRIPTION_SYSTEM } from './service.ts';
import type { PrescriberKeys } from './signing.ts';
import { isExpired, periodProblem, validityPeriod } from './validity.ts';

const refuse = (status: number, code: Parameters<typeof outcome>[1], text: string): never => {
  throw new FhirError(status, outcome('error', code, text));
};

/** The prescription a MedicationRequest belongs to (its PRESCRIPTION_SYSTEM identifier). */
export const prescriptionOf = (r: MedicationRequest): string | undefined =>
  r.identifier?.find((i) => i.system === PRESCRIPTION_SYSTEM)?.value;

/** Why a draft of a Sahti prescription may not be written by `writer` (undefined: it may). Pure. */
export function draftProblem(r: MedicationRequest, writer: string | undefined): string | undefined {
  const id = prescriptionOf(r);
  if (r.status !== 'draft' || !id) return undefined;
  if (!/^[0-9a-f-]{36}$/.test(id)) return 'identifier: a prescription id is a UUID';
  if (r.groupIdentifier?.system !== PRESCRIPTION_SYSTEM || r.groupIdentifier.value !== id)
    return 'groupIdentifier: the prescription id, as in identifier';
  if (r.intent !== 'order') return 'intent: a prescription is an order';
  if (!writer || r.requester?.reference !== writer)
    return 'requester: a prescription is written in its prescriber’s own name';
  if (!r.subject?.reference?.startsWith('Patient/') && !r.subject?.reference?.startsWith('urn:uuid:'))
    return 'subject: the patient';
  const coding = r.medicationCodeableConcept?.coding?.find((c) => c.system === MEDICINE_SYSTEM);
  const problem = itemsProblem([
    {
      code: coding?.code,
      dosage: r.dosageInstruction?.[0]?.text,
      quantity: r.dispenseRequest?.quantity?.value,
      durationDays: r.dispenseRequest?.expectedSupplyDuration?.value,
      substitution: r.substitution?.allowedBoolean,
    },
  ]);
  return problem?.replace(/^items\[0\]\./, '') ?? periodProblem(r.dispenseRequest?.validityPeriod);
}

export function prescriptionWriteHook(): WriteHook {
  return (changes, actor) => {
    const principal = actor as Principal | undefined;
    // the platform's own writes (dispensing, revocation) and system clients (a hospital's IS) pass
    if (principal?.kind !== 'staff') return undefined;
    const written = changes.filter((c) => c.resourceType === 'MedicationRequest' && c.next);
    if (written.length === 0) return undefined;
    return async () => {
      if (!isPrescriber(principal))
        refuse(403, 'forbidden', 'Only doctors write prescriptions (MedicationRequest)');
      for (const c of written) {
        const request = c.next as MedicationRequest;
        // in one's own name only, whatever its status: a request naming a colleague as requester
        // would be signed by their key as part of their prescription ($sign finds theirs by id)
        if (request.requester?.reference !== principal.fhirUser)
          refuse(403, 'forbidden', 'A MedicationRequest is written in its prescriber’s own name (requester)');
        const problem = draftProblem(request, principal.fhirUser);
        if (problem) refuse(400, 'invalid', `MedicationRequest.${problem}`);
      }
    };
  };
}

interface SignedRow {
  prescriber: string;
  request_ids: string[];
}

export class DraftSigner {
  private readonly ctx: ModuleContext;
  private readonly keys: PrescriberKeys;
  private readonly secretKey: string;
  private readonly validityDays: number;

  constructor(ctx: ModuleContext, keys: PrescriberKeys, secretKey: string, validityDays: number) {
    this.ctx = ctx;
    this.keys = keys;
    this.secretKey = secretKey;
    this.validityDays = validityDays;
  }

  async sign(
    principal: Principal,
    prescription: string,
  ): Promise<{ id: string; code: string; requests: string[]; patient: string; already: boolean }> {
    if (!isPrescriber(principal)) refuse(403, 'forbidden', 'Only doctors sign prescriptions');
    const practitioner = principal.fhirUser as string;
    if (!/^[0-9a-f-]{36}$/.test(prescription)) refuse(400, 'value', 'prescription: the prescription’s id');
    const done = await this.signedRow(prescription);
    if (done) {
      if (done.prescriber !== practitioner) refuse(404, 'not-found', 'No such prescription of yours');
      return this.answer(prescription, true);
    }
    const found = await this.ctx.store.search('MedicationRequest', [
      ['identifier', `${PRESCRIPTION_SYSTEM}|${prescription}`],
      ['_count', '21'],
    ]);
    const drafts = found.matches as MedicationRequest[];
    if (drafts.length === 0 || drafts.some((r) => r.requester?.reference !== practitioner))
      refuse(404, 'not-found', 'No such prescription of yours');
    // 'active' with no row: signed, then cut before its row was kept — signed again, whole
    if (drafts.some((r) => r.status !== 'draft' && r.status !== 'active'))
      refuse(409, 'business-rule', 'This prescription was cancelled: it cannot be signed');
    const patientId = String(drafts[0].subject?.reference).replace(/^Patient\//, '');
    if (drafts.some((r) => r.subject?.reference !== `Patient/${patientId}`))
      refuse(409, 'business-rule', 'The medicines of one prescription are for one patient');
    const items = drafts.map((r) => ({
      code: r.medicationCodeableConcept?.coding?.find((c) => c.system === MEDICINE_SYSTEM)?.code,
      dosage: r.dosageInstruction?.[0]?.text,
      quantity: r.dispenseRequest?.quantity?.value,
      durationDays: r.dispenseRequest?.expectedSupplyDuration?.value,
      substitution: r.substitution?.allowedBoolean,
    }));
    const problem = itemsProblem(items);
    if (problem) refuse(422, 'business-rule', problem);
    // the validity the GP wrote offline, the same on every medicine; else it runs from the signing
    const periods = new Set(drafts.map((r) => JSON.stringify(r.dispenseRequest?.validityPeriod ?? null)));
    if (periods.size > 1)
      refuse(422, 'business-rule', 'The medicines of one prescription have one validity period');
    const written = drafts[0].dispenseRequest?.validityPeriod;
    if (written?.end && isExpired(written.end))
      refuse(422, 'business-rule', `This prescription's validity ended on ${written.end}: write it again`);
    const period = written ?? validityPeriod(new Date().toISOString(), this.validityDays);
    const access = await this.ctx.access.resolve(principal);
    const seen = await this.ctx.fhir.handle({
      method: 'GET',
      path: `/Patient/${patientId}`,
      query: [],
      headers: {},
      access,
    });
    this.ctx.audit.recordRequest(auditInputsForFhir(principal, seen));
    if (seen.status !== 200) refuse(404, 'not-found', `Patient/${patientId} is not known`);
    const doctor = (await this.ctx.store.readIfPresent(
      'Practitioner',
      practitioner.slice('Practitioner/'.length),
    )) as Practitioner | undefined;
    const patientName = nameOf(seen.body as Patient);
    const doctorName = nameOf(doctor) || principal.display;
    // what is signed is what the patient and the pharmacist read: names as on a prescription written online
    const active: MedicationRequest[] = drafts.map((r) => ({
      ...r,
      dispenseRequest: { ...r.dispenseRequest, validityPeriod: period },
      status: 'active',
      subject: { reference: `Patient/${patientId}`, display: patientName },
      requester: { reference: practitioner, display: doctorName },
    }));
    const jws = await this.keys.sign(practitioner, canonicalForm(prescription, active));
    const provenanceId = crypto.randomUUID();
    const now = new Date().toISOString();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        ...active.map((r) => ({
          resource: r,
          // a second signer racing this one meets a changed version: nothing written twice
          request: {
            method: 'PUT' as const,
            url: `MedicationRequest/${r.id}`,
            ifMatch: `W/"${r.meta?.versionId}"`,
          },
        })),
        {
          resource: signatureProvenance({
            id: provenanceId,
            requestIds: active.map((r) => r.id as string),
            patientId,
            practitioner,
            jws,
            at: now,
          }),
          request: { method: 'PUT' as const, url: `Provenance/${provenanceId}` },
        },
      ],
    };
    const res = await this.ctx.fhir.handle({
      method: 'POST',
      path: '',
      query: [],
      headers: {},
      body: bundle,
      access,
    });
    this.ctx.audit.recordRequest(auditInputsForFhir(principal, res));
    if (res.status === 412 || res.status === 409)
      refuse(409, 'conflict', 'This prescription is being signed: ask again in a moment');
    if (res.status >= 400) refuse(res.status, 'processing', 'The prescription could not be signed');
    const code = newVerificationCode();
    await this.ctx.db.query(
      `INSERT INTO prescription (id, code_hash, code_sealed, patient_id, prescriber, request_ids, provenance_id)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text[], $7::text) ON CONFLICT (id) DO NOTHING`,
      [
        prescription,
        codeHash(code),
        seal(code, this.secretKey),
        patientId,
        practitioner,
        active.map((r) => r.id),
        provenanceId,
      ],
    );
    return this.answer(prescription, false);
  }

  private async signedRow(id: string): Promise<SignedRow | undefined> {
    return (
      await this.ctx.db.query<SignedRow>(
        'SELECT prescriber, request_ids FROM prescription WHERE id = $1::text',
        [id],
      )
    ).rows[0];
  }

  private async answer(id: string, already: boolean) {
    const row = (
      await this.ctx.db.query<{ code_sealed: string; request_ids: string[]; patient_id: string }>(
        'SELECT code_sealed, request_ids, patient_id FROM prescription WHERE id = $1::text',
        [id],
      )
    ).rows[0];
    return {
      id,
      code: unseal(row.code_sealed, this.secretKey),
      requests: row.request_ids.map((r) => `MedicationRequest/${r}`),
      patient: row.patient_id,
      already,
    };
  }
}

/** `POST /fhir/R4/MedicationRequest/$sign` (Parameters `prescription`): the caller's drafts, signed. */
export function signOperation(signer: DraftSigner): FhirOperation {
  return {
    name: 'sign',
    levels: ['type'],
    resourceTypes: ['MedicationRequest'],
    methods: ['POST'],
    effect: 'update',
    async run(op) {
      const principal = op.access?.actor as Principal | undefined;
      if (!principal) refuse(403, 'forbidden', 'Sign in to sign a prescription');
      const signed = await signer.sign(principal as Principal, op.parameters.get('prescription') ?? '');
      const body: FhirParameters = {
        resourceType: 'Parameters',
        parameter: [
          { name: 'prescription', valueString: signed.id },
          { name: 'status', valueCode: 'active' },
          // the prescriber holds the code, as for a prescription written online
          { name: 'code', valueString: signed.code },
          ...signed.requests.map((reference) => ({ name: 'request', valueReference: { reference } })),
        ],
      };
      return {
        status: 200,
        headers: {},
        body,
        audit: [
          {
            interaction: 'operation',
            operation: 'sign',
            resourceType: 'MedicationRequest',
            ids: signed.requests,
            patients: [signed.patient],
            status: 200,
          },
        ],
      };
    },
  };
}
