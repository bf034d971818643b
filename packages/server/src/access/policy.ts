/**
 * The authorisation matrix, as pure data and functions: which role may read and write which kind
 * of resource. Whose data (the patient compartment, the care relationship) is decided in scope.ts;
 * what a token was granted, in smart.ts; the aggregate-only rules, in aggregate.ts.
 */
import type { Principal, Role } from '../kernel/principal.ts';

/**
 * Shared reference data: the health-worker and facility registry, terminologies, definitions.
 * A resource of one of these types that names a patient (a Schedule whose actor is a Patient) is
 * that patient's data, not shared: the engine's read scope tells them apart by the compartment.
 */
export const DIRECTORY_TYPES = [
  'Organization',
  'Location',
  'Practitioner',
  'PractitionerRole',
  'HealthcareService',
  'Endpoint',
  'Schedule',
  'Slot',
  'Medication',
  'Substance',
  'ValueSet',
  'CodeSystem',
  'ConceptMap',
  'NamingSystem',
  'StructureDefinition',
  'SearchParameter',
  'OperationDefinition',
  'Questionnaire',
  'PlanDefinition',
  'ActivityDefinition',
  'Measure',
  'Library',
] as const;

const DIRECTORY = new Set<string>(DIRECTORY_TYPES);
export const isDirectoryType = (type: string): boolean => DIRECTORY.has(type);

/** Roles that treat patients and so reach records through a care relationship. */
export const CARE_ROLES: Role[] = [
  'doctor',
  'nurse',
  'hub-specialist',
  'dialysis-coordinator',
  'unit-assistant',
];
/** Clinical roles: they may break the glass in an emergency. */
export const BREAK_GLASS_ROLES: Role[] = ['doctor', 'nurse', 'hub-specialist'];
/** Roles that see aggregates only, never a person. */
export const AGGREGATE_ROLES: Role[] = ['programme-manager'];

const CLINICAL_WRITE = '*';
/** Resource types each role may write (within whose data scope.ts allows); '*' is any clinical type. */
const WRITABLE: Record<Role, readonly string[]> = {
  patient: [
    'Observation',
    'Consent',
    'QuestionnaireResponse',
    'Appointment',
    'Communication',
    'DocumentReference',
    'Patient',
    'RelatedPerson',
  ],
  doctor: [CLINICAL_WRITE],
  nurse: [CLINICAL_WRITE],
  'hub-specialist': [CLINICAL_WRITE],
  'unit-assistant': ['Patient', 'Encounter', 'Observation', 'Appointment', 'Communication'],
  'dialysis-coordinator': ['Appointment', 'Task', 'ServiceRequest', 'Communication', 'Slot', 'Schedule'],
  'programme-manager': [],
  // dispensings are recorded by the prescription service, on the pharmacist's behalf
  pharmacist: [],
  administrator: [...DIRECTORY_TYPES, 'CareTeam', 'RelatedPerson'],
};

/** Written by the server alone: the audit trail must not take entries from clients. */
const SERVER_WRITTEN = new Set(['AuditEvent']);

export type Verdict = { allowed: true } | { allowed: false; reason: string };

const allow: Verdict = { allowed: true };
const deny = (reason: string): Verdict => ({ allowed: false, reason });

export const isCareGiver = (principal: Principal): boolean =>
  principal.kind === 'staff' && principal.roles.some((r) => CARE_ROLES.includes(r));

/** Aggregate-only: a programme manager with no role that reaches people. */
export const isAggregateOnly = (principal: Principal): boolean =>
  principal.kind !== 'system' &&
  principal.roles.some((r) => AGGREGATE_ROLES.includes(r)) &&
  !principal.roles.some((r) => r === 'patient' || CARE_ROLES.includes(r));

/** Whether the role may read resources of this type at all (rows are then limited by the scope). */
export function roleMayRead(principal: Principal, type: string): Verdict {
  if (principal.kind === 'system') return allow;
  if (type !== '*' && isDirectoryType(type)) return allow;
  if (principal.roles.includes('patient') || isCareGiver(principal)) return allow;
  // administrators set care teams and record documented delegations (RelatedPerson)
  if ((type === 'CareTeam' || type === 'RelatedPerson') && principal.roles.includes('administrator'))
    return allow;
  if (isAggregateOnly(principal)) return deny('Programme managers see counts only: add _summary=count');
  return deny('Your role gives no access to patient data');
}

export function roleMayWrite(principal: Principal, type: string): Verdict {
  if (SERVER_WRITTEN.has(type)) return deny(`${type} is written by the server only`);
  if (principal.kind === 'system') return allow;
  for (const role of principal.roles) {
    const types = WRITABLE[role];
    if (types.includes(type)) return allow;
    if (types.includes(CLINICAL_WRITE) && !isDirectoryType(type)) return allow;
  }
  return deny(`Your role may not write ${type}`);
}
