/**
 * An AuditEvent as a line of the patient portal's "who accessed my record": who (name, roles),
 * when, what, why, and whether the glass was broken. Pure.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditAction } from './codes.ts';
import { ENTITY, PURPOSE, SYSTEMS } from './codes.ts';
import { BREAK_GLASS_DETAIL } from './event.ts';

export interface AccessLogEntry {
  id: string;
  /** ISO instant. */
  when: string;
  who: {
    display: string;
    /** `Practitioner/12`, `Patient/7`… when the user has a FHIR resource. */
    reference?: string;
    roles: string[];
    /** The patient themselves (their own app or portal). */
    self: boolean;
  };
  /** OAuth client (app) used, 'web' for the portal. */
  client?: string;
  action: AuditAction;
  /** read, vread, search-type, create, update, Login, Emergency Override Started… */
  interaction: string;
  /** Resources touched, or the resource type searched. */
  what: string[];
  purpose?: { code: string; display?: string };
  breakGlass: boolean;
  breakGlassReason?: string;
  outcome: 'success' | 'failure';
}

export function accessLogEntry(event: AuditEvent, patientId: string): AccessLogEntry {
  const user = event.agent.find((a) => a.requestor) ?? event.agent[0];
  const client = event.agent.find((a) => a.type?.coding?.some((c) => c.code === '110153'));
  const entities = event.entity ?? [];
  const patient = entities.find(
    (e) => e.role?.code === ENTITY.patientRole.code && e.role.system === SYSTEMS.objectRole,
  );
  const touched = entities
    .filter((e) => e.role?.code === ENTITY.domainResource.code && e.what?.reference)
    .map((e) => e.what!.reference!);
  const query = entities.find((e) => e.role?.code === ENTITY.queryRole.code)?.query;
  const searchedType = query
    ? /^\/?([A-Za-z]+)/.exec(Buffer.from(query, 'base64').toString('utf8'))?.[1]
    : undefined;
  const purpose = (user?.purposeOfUse ?? event.purposeOfEvent)?.[0]?.coding?.[0];
  const reason = patient?.detail?.find((d) => d.type === BREAK_GLASS_DETAIL)?.valueString;
  const reference = user?.who?.reference;
  return {
    id: event.id ?? '',
    when: event.recorded,
    who: {
      display: user?.who?.display ?? user?.name ?? 'unknown',
      ...(reference ? { reference } : {}),
      roles: (user?.role ?? []).flatMap((r) => r.coding?.map((c) => c.code ?? '') ?? []),
      self: reference === `Patient/${patientId}`,
    },
    ...(client?.who?.identifier?.value ? { client: client.who.identifier.value } : {}),
    action: (event.action ?? 'E') as AuditAction,
    interaction: event.subtype?.[0]?.code === undefined ? (event.type.code ?? '') : subtypeName(event),
    what: touched.length > 0 ? touched : searchedType ? [searchedType] : [],
    ...(purpose?.code
      ? { purpose: { code: purpose.code, ...(purpose.display ? { display: purpose.display } : {}) } }
      : {}),
    breakGlass:
      purpose?.code === PURPOSE.emergency.code || event.subtype?.some((s) => s.code === '110127') === true,
    ...(reason ? { breakGlassReason: reason } : {}),
    outcome: event.outcome === '0' ? 'success' : 'failure',
  };
}

function subtypeName(event: AuditEvent): string {
  const subtype = event.subtype![0];
  return subtype.system === SYSTEMS.restfulInteraction ? subtype.code! : (subtype.display ?? subtype.code!);
}
