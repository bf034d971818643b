/**
 * What one FHIR request did, as the audit trail records it: the engine reports, per request and per
 * bundle entry, the interaction, the resources and the patients touched (from their compartments,
 * before any `_elements` trimming); this maps each report to an AuditInput.
 */
import type { AccessRecord, FhirResponse } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import type { AuditInput, AuditInteraction } from './index.ts';

const ENGINE_TO_AUDIT: Record<AccessRecord['interaction'], AuditInteraction | undefined> = {
  capabilities: undefined,
  read: 'read',
  vread: 'vread',
  search: 'search',
  history: 'history',
  create: 'create',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  batch: 'operation',
  transaction: 'operation',
  operation: 'operation',
};

export function auditInputsForFhir(principal: Principal, res: FhirResponse): AuditInput[] {
  const inputs: AuditInput[] = [];
  for (const record of res.audit ?? []) {
    let interaction = ENGINE_TO_AUDIT[record.interaction];
    if (!interaction) continue;
    if (record.operation === 'everything') interaction = 'export';
    inputs.push({
      principal,
      interaction,
      ...(record.resourceType ? { resourceType: record.resourceType } : {}),
      ids: record.ids,
      ...(record.query !== undefined ? { query: record.query } : {}),
      patientIds: record.patients,
      outcome: record.status,
      ...(record.outcome ? { outcomeDesc: record.outcome } : {}),
    });
  }
  return inputs;
}
