/**
 * One access → one FHIR R4 AuditEvent in the IHE BALP shape (Basic Audit Log Patterns). Pure: the
 * caller says who did what to which patient's data and how it ended; nothing here reads a clock
 * unless `recorded` is left out, and nothing touches the database.
 *
 * Agents: the user (requestor; absent for a system client, which is then the requestor), the client
 * application (BALP "Source Role ID") and this server ("Destination Role ID"). Entities: the patient
 * (object-role 1), each resource touched (object-role 4) and, for a search, the query (object-role 24,
 * base64 in entity.query).
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { Principal } from '../kernel/principal.ts';
import { columnKey } from './batch-columns.ts';
import { canonicalJson, stringJson, writtenAs } from './chain.ts';
import {
  APPLICATION_SERVER,
  type AuditAction,
  type AuditInteraction,
  CLIENT_AGENT,
  deepFreeze,
  ENTITY,
  INTERACTION_CODES,
  outcomeCode,
  PATIENT_USER,
  PURPOSE,
  SERVER_AGENT,
  SYSTEMS,
} from './codes.ts';
import { builtOn } from './stored-form.ts';

export interface AuditInput {
  principal: Principal;
  interaction: AuditInteraction;
  /** The resource type the request addressed (absent for whole-system interactions, login…). */
  resourceType?: string;
  /** Resources touched: bare ids of `resourceType`, or references `Type/id[/_history/v]`. */
  ids?: string[];
  /** The search query as received (e.g. `Observation?patient=123&code=…`). */
  query?: string;
  /** Patients whose data was touched: `Patient/x` or bare `x`. */
  patientIds: string[];
  /** HTTP status of the response. */
  outcome: number;
  outcomeDesc?: string;
  /** Why (v3 ActReason): TREAT, ETREAT for break-the-glass, PATADMIN… */
  purposeOfUse?: Coding;
  /** Network address of the caller; defaults to principal.address. */
  address?: string;
  /** The reason a clinician gave when breaking the glass. */
  breakGlassReason?: string;
  /** When the access happened (ISO instant); now if absent. */
  recorded?: string;
}

/**
 * Client text reaches the trail (a query, a diagnostic that quotes it): NUL and unpaired
 * surrogates cannot be stored in PostgreSQL text, so they are replaced — the event is still written.
 * Copy on write: only the objects on the way to a mended string are new (an event is built fresh
 * per access and never changed after; it shares only constant codings), so the usual event, with
 * nothing to mend, is returned as it is. Frozen parts are not looked into: they are the constant
 * codes (codes.ts), the contexts shared by events (buildAuditEvents), mended before they were frozen,
 * and the entities written by template (templateEntity), frozen only when there was nothing to mend.
 */
/** Whether a text holds what PostgreSQL cannot store: a NUL, or an unpaired surrogate. */
function needsMending(text: string): boolean {
  return text.includes('\u0000') || !text.isWellFormed();
}

function storable<T>(value: T): T {
  if (value !== null && typeof value === 'object' && Object.isFrozen(value)) return value;
  if (typeof value === 'string')
    return (needsMending(value) ? value.replaceAll('\u0000', '\uFFFD').toWellFormed() : value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const mended = storable(value[i]);
      if (mended === value[i]) continue;
      out ??= [...value];
      out[i] = mended;
    }
    return (out ?? value) as T;
  }
  if (value && typeof value === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const mended = storable(v);
      if (mended === v) continue;
      out ??= { ...(value as Record<string, unknown>) };
      out[k] = mended;
    }
    return (out ?? value) as T;
  }
  return value;
}

/** Who observed and recorded the event: this server. */
export interface AuditSource {
  observer: string;
  site?: string;
}

export const DEFAULT_SOURCE: AuditSource = { observer: 'Sahti FHIR server' };

export const BREAK_GLASS_DETAIL = 'break-glass-reason';

export function buildAuditEvent(input: AuditInput, source: AuditSource = DEFAULT_SOURCE): AuditEvent {
  const event: AuditEvent = { ...skeleton(input, source), recorded: recordedOf(input) };
  const entity = entities(input, input.query === undefined ? undefined : writtenQuery(input.query));
  if (entity.length > 0) event.entity = entity;
  return storable(event);
}

/**
 * Contexts built lately — an event's parts but its entities and its instant — by what they are made
 * of (contextKey). A clinician's reads all session and the events of a page of patients share one,
 * so it is built, mended and frozen once; sharing the same objects is also what lets the writer's
 * memo write its text once per batch (chain.ts) and store it once (stored-form.ts). The oldest goes
 * when there are more than CONTEXTS_KEPT: a context is rebuilt, never wrong.
 */
const CONTEXTS_KEPT = 1_000;
/** An event without its entities and its instant. */
type Context = Omit<AuditEvent, 'recorded' | 'entity'>;
const contexts = new Map<string, Context>();

/**
 * The events one access is stored as, all on one frozen context — shared with every other access
 * made the same way (same principal, client, address, interaction, outcome, purpose) — each with its
 * entities and the access's instant. **One event, whatever the number of patients**: BALP's one event
 * per patient (perPatient) is how the trail is *read* — each patient of an access to several has a
 * row in `audit_patient` (migration 1105), through which read.ts gives them their own event
 * (eventOfPatient) — so a page of twenty patients is one row and twenty small ones rather than twenty events,
 * each built, hashed, sent and stored (docs/performance.md, *A page's accesses stored as one event*).
 * Except where the patients' events differ in more than their entities: a patient acting for others
 * (a parent reading their children's records) is `acting-for` in the others' events, not their own,
 * so such an access is stored one event per patient, as perPatient gives them.
 */
export function buildAuditEvents(input: AuditInput, source: AuditSource = DEFAULT_SOURCE): AuditEvent[] {
  const recorded = recordedOf(input);
  const patients = uniquePatientIds(input.patientIds);
  const accesses =
    patients.length > 1 && input.principal.kind === 'patient'
      ? perPatient(input)
      : [{ ...input, patientIds: patients }];
  // the query is the same in every event of the access: encoded, mended and frozen once
  const query = input.query === undefined ? undefined : writtenQuery(input.query);
  return accesses.map((one) => {
    const entity = storable(entities(one, query));
    const context = contextOf(one, source);
    const event: AuditEvent = { ...context, recorded };
    if (entity.length > 0) event.entity = entity;
    return builtOn(event, context);
  });
}

function recordedOf(input: AuditInput): string {
  return new Date(input.recorded ?? Date.now()).toISOString();
}

function contextOf(input: AuditInput, source: AuditSource): Context {
  const key = contextKey(input, source);
  let context = contexts.get(key);
  if (!context) {
    context = deepFreeze(storable(skeleton(input, source)));
    if (contexts.size >= CONTEXTS_KEPT) contexts.delete(contexts.keys().next().value as string);
    contexts.set(key, context);
  }
  return context;
}

/** What a context is made of (skeleton(), agents()). */
function contextKey(input: AuditInput, source: AuditSource): string {
  const p = input.principal;
  return JSON.stringify([
    p.kind,
    p.id,
    p.fhirUser,
    p.display,
    p.roles,
    p.clientId,
    p.address,
    input.interaction,
    input.ids?.length ? 'instance' : input.resourceType ? 'type' : 'system',
    input.outcome,
    input.outcomeDesc,
    input.purposeOfUse,
    input.address,
    actingFor(input),
    source.observer,
    source.site,
  ]);
}

/** Everything of the event but its entities and its instant. */
function skeleton(input: AuditInput, source: AuditSource): Context {
  const codes = INTERACTION_CODES[input.interaction];
  const scope = input.ids?.length ? 'instance' : input.resourceType ? 'type' : 'system';
  const status = outcomeCode(input.outcome);
  const purpose = input.purposeOfUse ?? (input.interaction === 'break-glass' ? PURPOSE.emergency : undefined);
  return {
    resourceType: 'AuditEvent',
    type: codes.type,
    subtype: [codes.subtype(scope)],
    action: codes.action,
    outcome: status,
    ...(input.outcomeDesc ? { outcomeDesc: input.outcomeDesc } : {}),
    ...(purpose ? { purposeOfEvent: [{ coding: [purpose] }] } : {}),
    agent: agents(input, codes.userType, purpose, source),
    source: {
      ...(source.site ? { site: source.site } : {}),
      observer: { display: source.observer },
      type: [APPLICATION_SERVER],
    },
  };
}

/** A patient reaching another patient's data acts for them (a parent for a child: access/relations/dependants.ts). */
function actingFor(input: AuditInput): boolean {
  const p = input.principal;
  return (
    p.kind === 'patient' && uniquePatientIds(input.patientIds).some((id) => `Patient/${id}` !== p.fhirUser)
  );
}

function agents(
  input: AuditInput,
  userType: Coding,
  purpose: Coding | undefined,
  source: AuditSource,
): AuditEventAgent[] {
  const p = input.principal;
  const address = input.address ?? p.address;
  const network = address ? { address, type: '2' as const } : undefined; // 2 = IP address
  const isUser = p.kind !== 'system';
  const list: AuditEventAgent[] = [];
  if (isUser) {
    const roles = actingFor(input) ? [...p.roles, 'acting-for'] : p.roles;
    list.push({
      type: { coding: p.kind === 'patient' ? [userType, PATIENT_USER] : [userType] },
      ...(roles.length
        ? { role: roles.map((code) => ({ coding: [{ system: SYSTEMS.sahtiRole, code }] })) }
        : {}),
      who: p.fhirUser
        ? { reference: p.fhirUser, display: p.display }
        : { identifier: { system: SYSTEMS.sahtiAccount, value: p.id }, display: p.display },
      altId: p.id,
      name: p.display,
      requestor: true,
      ...(network ? { network } : {}),
      ...(purpose ? { purposeOfUse: [{ coding: [purpose] }] } : {}),
    });
  }
  list.push({
    type: { coding: [CLIENT_AGENT] },
    who: { identifier: { system: SYSTEMS.sahtiClient, value: p.clientId }, display: p.clientId },
    requestor: !isUser,
    ...(network ? { network } : {}),
    ...(!isUser && purpose ? { purposeOfUse: [{ coding: [purpose] }] } : {}),
  });
  list.push({
    type: { coding: [SERVER_AGENT] },
    who: { display: source.observer },
    requestor: false,
  });
  return list;
}

function entities(input: AuditInput, query?: WrittenEntity): AuditEventEntity[] {
  const list: AuditEventEntity[] = [];
  // each entity's canonical text, written by template: the list's is registered when all have one
  const texts: string[] = [];
  for (const id of uniquePatientIds(input.patientIds)) {
    const what = { reference: `Patient/${id}` };
    if (input.breakGlassReason)
      list.push({
        what,
        type: ENTITY.person,
        role: ENTITY.patientRole,
        detail: [{ type: BREAK_GLASS_DETAIL, valueString: input.breakGlassReason }],
      });
    else templated(list, texts, { what, type: ENTITY.person, role: ENTITY.patientRole }, PATIENT_ENTITY);
  }
  for (const id of input.ids ?? []) {
    const reference = id.includes('/') || !input.resourceType ? id : `${input.resourceType}/${id}`;
    templated(
      list,
      texts,
      { what: { reference }, type: ENTITY.systemObject, role: ENTITY.domainResource },
      RESOURCE_ENTITY,
    );
  }
  if (query) {
    list.push(query.entity);
    texts.push(query.text);
  }
  // joined once into one flat text: the writer hashes it, and stores it, without walking the pieces
  // again (docs/performance.md, *An AuditEvent's texts written flat*)
  if (texts.length < list.length) return list;
  return Object.freeze(writtenAs(list, `[${texts.join(',')}]`)) as AuditEventEntity[];
}

/** An entity built once with its canonical text, as a search's query is for all its events. */
interface WrittenEntity {
  entity: AuditEventEntity;
  text: string;
}

/**
 * An entity of a known shape, and its canonical text by template when its reference — the only text
 * in it not constant — holds nothing to mend. One that does (a NUL, a lone surrogate from a client's
 * URL) has no text: its list is not registered, and storable() mends a copy, written member by member.
 */
function templated(
  list: AuditEventEntity[],
  texts: string[],
  entity: AuditEventEntity & { what: { reference: string } },
  template: (reference: string) => string,
): void {
  list.push(entity);
  const reference = entity.what.reference;
  if (!needsMending(reference)) texts.push(template(reference));
}

/**
 * The canonical text (chain.ts) of the two entities every access names — a patient, a resource — by
 * template: keys in order (role, type, what), the codings' texts written once. A page of twenty
 * patients names forty; written member by member, canonical JSON was ~75 µs of node's CPU for that
 * page (docs/performance.md, *The audit batch sent as one text per column*). event.test.ts checks the
 * templates give canonicalJson's text.
 */
const entityTemplate = (type: Coding, role: Coding) => {
  const head = `{"role":${canonicalJson(role)},"type":${canonicalJson(type)},"what":{"reference":`;
  return (reference: string) => `${head}${stringJson(reference)}}}`;
};
const PATIENT_ENTITY = entityTemplate(ENTITY.person, ENTITY.patientRole);
const RESOURCE_ENTITY = entityTemplate(ENTITY.systemObject, ENTITY.domainResource);

/** A search's query entity, frozen, with its canonical text: the same in every event of the access. */
function writtenQuery(query: string): WrittenEntity {
  const entity = deepFreeze(storable(queryEntity(query)));
  return { entity, text: canonicalJson(entity) };
}

function queryEntity(query: string): AuditEventEntity {
  return {
    type: ENTITY.systemObject,
    role: ENTITY.queryRole,
    query: Buffer.from(query, 'utf8').toString('base64'),
  };
}

/**
 * One access as the events it is recorded as: one per patient touched (BALP), one if none. A
 * Patient resource is listed in its own patient's event only — a search of a care-giver's patient
 * list names each patient once, not every patient in every event, and one patient's access log
 * never names another patient; any other resource, whose patient the report does not give, is
 * listed in every event of the access.
 */
export function perPatient(input: AuditInput): AuditInput[] {
  const patients = uniquePatientIds(input.patientIds);
  if (patients.length === 0) return [input];
  if (patients.length === 1) return [{ ...input, patientIds: patients }];
  const shared: string[] = [];
  const own = new Map<string, string[]>(patients.map((p) => [p, []]));
  for (const id of input.ids ?? []) {
    const reference = id.includes('/') || !input.resourceType ? id : `${input.resourceType}/${id}`;
    const list = reference.startsWith('Patient/') ? own.get(reference.split('/')[1]) : undefined;
    (list ?? shared).push(id);
  }
  return patients.map((patient) => ({
    ...input,
    ...(input.ids ? { ids: [...(own.get(patient) ?? []), ...shared] } : {}),
    patientIds: [patient],
  }));
}

/**
 * One patient's own event of an access stored once for several (buildAuditEvents): the access's,
 * without the entities that name another patient — the event perPatient gives that patient.
 */
export function eventOfPatient(event: AuditEvent, patient: string): AuditEvent {
  const entity = event.entity?.filter((e) => {
    const [type, id] = (e.what?.reference ?? '').split('/');
    return type !== 'Patient' || id === patient;
  });
  return { ...event, ...(entity ? { entity } : {}) };
}

/** Bare patient ids, without duplicates, whether given as `Patient/x` or `x`. */
export function uniquePatientIds(ids: string[]): string[] {
  return [...new Set(ids.map((id) => (id.startsWith('Patient/') ? id.slice('Patient/'.length) : id)))];
}

/** The columns of an audit_event row, all derived from its content (verify.ts checks they still are). */
export interface AuditColumns {
  /** The patient, when the event names exactly one. */
  patient_id: string | null;
  /**
   * Every patient the event names, in its order: more than one, and each has a row in
   * `audit_patient` (k = 1, 2, …) through which the trail gives them their own event.
   */
  patients: string[];
  actor: string;
  action: AuditAction;
  outcome: string;
}

export function auditColumns(event: AuditEvent): AuditColumns {
  const patients: string[] = [];
  for (const e of event.entity ?? []) {
    const reference = e.what?.reference;
    const isPatient = e.role?.system === SYSTEMS.objectRole && e.role.code === ENTITY.patientRole.code;
    if (isPatient && reference?.startsWith('Patient/'))
      patients.push(columnKey(reference.slice('Patient/'.length)));
  }
  return {
    patient_id: patients.length === 1 ? patients[0] : null,
    patients,
    actor: columnKey(actorOf(event)),
    action: (event.action ?? 'E') as AuditAction,
    outcome: event.outcome ?? '0',
  };
}

/**
 * The requestor as one searchable string: its FHIR reference (`Practitioner/12`, `Patient/7`), else
 * `account:<id>` for a user without a FHIR resource, else `client:<client_id>` for a system client.
 */
export function actorOf(event: AuditEvent): string {
  const requestor = event.agent.find((a) => a.requestor) ?? event.agent[0];
  const who = requestor?.who;
  if (who?.reference) return who.reference;
  const identifier = who?.identifier;
  if (identifier?.system === SYSTEMS.sahtiAccount) return `account:${identifier.value}`;
  if (identifier?.system === SYSTEMS.sahtiClient) return `client:${identifier.value}`;
  return identifier?.value ?? who?.display ?? 'unknown';
}
