/**
 * The Provenance that carries a prescription's JWS (law 43-20 evidence): the same shape whether
 * the prescription was signed when written (service.ts) or signed when a field draft arrived
 * (drafts.ts), so verification reads one form. Pure.
 */
import type { Provenance } from '@medplum/fhirtypes';

export function signatureProvenance(input: {
  id: string;
  requestIds: string[];
  patientId: string;
  practitioner: string;
  jws: string;
  at: string;
}): Provenance {
  return {
    resourceType: 'Provenance',
    id: input.id,
    // the patient among the targets is what files a Provenance in the patient's record
    target: [
      ...input.requestIds.map((id) => ({ reference: `MedicationRequest/${id}` })),
      { reference: `Patient/${input.patientId}` },
    ],
    recorded: input.at,
    activity: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE' }],
    },
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' },
          ],
        },
        who: { reference: input.practitioner },
      },
    ],
    signature: [
      {
        type: [
          {
            system: 'urn:iso-astm:E1762-95:2013',
            code: '1.2.840.10065.1.12.1.1',
            display: 'Author’s Signature',
          },
        ],
        when: input.at,
        who: { reference: input.practitioner },
        targetFormat: 'application/json',
        sigFormat: 'application/jose',
        data: Buffer.from(input.jws).toString('base64'),
      },
    ],
  };
}
