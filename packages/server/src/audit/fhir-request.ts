/**
 * What one FHIR request did, as the audit trail records it: the interaction, the resources and
 * the patients touched (read from the response, so a refused or empty search names nobody).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse } from '@sahti/fhir';
import type { Principal } from '../access/principal.ts';
import type { AuditInput, AuditInteraction } from './index.ts';

const MAX_IDS = 100;

export function auditInputForFhir(principal: Principal, req: FhirRequest, res: FhirResponse): AuditInput {
  const parts = req.path.split('/').filter(Boolean);
  const [type, id, op] = parts;
  const interaction = interactionOf(req.method.toUpperCase(), parts);
  const resources = resourcesIn(res);
  const patients = new Set<string>();
  for (const r of resources) for (const p of patientsOf(r)) patients.add(p);
  if (type === 'Patient' && id && !id.startsWith('$') && !id.startsWith('_')) patients.add(id);
  const ids = resources.slice(0, MAX_IDS).map((r) => `${r.resourceType}/${r.id}`);
  if (ids.length === 0 && type && id && !id.startsWith('_') && !id.startsWith('$')) ids.push(`${type}/${id}`);
  const query =
    interaction === 'search' && req.query.length > 0
      ? `${type}?${new URLSearchParams(req.query)}`
      : undefined;
  return {
    principal,
    interaction,
    resourceType: type && !type.startsWith('_') && type !== 'metadata' ? type : undefined,
    ids,
    query,
    patientIds: [...patients],
    outcome: res.status,
    outcomeDesc: res.status >= 400 ? diagnostics(res) : undefined,
    ...(op === '$everything' ? { purposeOfUse: undefined } : {}),
  };
}

function interactionOf(method: string, parts: string[]): AuditInteraction {
  const [, id, op, vid] = parts;
  if (parts.length === 0) return 'operation';
  if (id?.startsWith('$') || op?.startsWith('$')) return op === '$everything' ? 'export' : 'operation';
  if (id === '_history' || op === '_history') return vid ? 'vread' : 'history';
  if (method === 'GET') return id && id !== '_search' ? 'read' : 'search';
  if (method === 'POST') return id === '_search' ? 'search' : 'create';
  if (method === 'PUT') return 'update';
  if (method === 'PATCH') return 'patch';
  return 'delete';
}

function resourcesIn(res: FhirResponse): Resource[] {
  const body = res.body;
  if (!body || res.status >= 400 || body.resourceType === 'OperationOutcome') return [];
  if (body.resourceType === 'Bundle') {
    return ((body as Bundle).entry ?? []).flatMap((e) =>
      e.resource && e.resource.resourceType !== 'OperationOutcome' ? [e.resource] : [],
    );
  }
  return [body];
}

/** Patients a resource points to (or is): a fast scan of its references. */
export function patientsOf(resource: Resource): string[] {
  if (resource.resourceType === 'Patient' && resource.id) return [resource.id];
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string' && v.startsWith('Patient/'))
          found.add(v.split('/')[1]);
        else if (typeof v === 'object') visit(v);
      }
    }
  };
  visit(resource);
  return [...found];
}

function diagnostics(res: FhirResponse): string | undefined {
  const issue = (res.body as { issue?: { diagnostics?: string }[] } | undefined)?.issue?.[0];
  return issue?.diagnostics?.slice(0, 200);
}
