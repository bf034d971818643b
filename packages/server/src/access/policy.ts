/**
 * The authorisation matrix, as pure data and functions: which role may do what on which kind of
 * resource. Whose data (the patient compartment, the care relationship) is decided in scope.ts.
 */
import type { Principal, Role } from './principal.ts';

/** Shared reference data: the health-worker and facility registry, terminologies, definitions. */
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
/** Roles that may break the glass in an emergency. */
export const BREAK_GLASS_ROLES: Role[] = ['doctor', 'nurse', 'hub-specialist'];

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
  ],
  doctor: [CLINICAL_WRITE],
  nurse: [CLINICAL_WRITE],
  'hub-specialist': [CLINICAL_WRITE],
  'unit-assistant': ['Patient', 'Encounter', 'Observation', 'Appointment', 'Communication'],
  'dialysis-coordinator': ['Appointment', 'Task', 'ServiceRequest', 'Communication', 'Slot', 'Schedule'],
  'programme-manager': [],
  administrator: [...DIRECTORY_TYPES],
};

export type Verdict = { allowed: true } | { allowed: false; reason: string };

const allow: Verdict = { allowed: true };
const deny = (reason: string): Verdict => ({ allowed: false, reason });

export function mayRead(principal: Principal, type: string, countOnly: boolean): Verdict {
  if (principal.kind === 'system') return allow;
  if (isDirectoryType(type)) return allow;
  const roles = principal.roles;
  if (roles.includes('patient') || roles.some((r) => CARE_ROLES.includes(r))) return allow;
  // programme managers see aggregates, never identities
  if (roles.includes('programme-manager')) {
    return countOnly ? allow : deny('Programme managers see counts only: add _summary=count');
  }
  return deny('Your role gives no access to patient data');
}

/** Written by the server alone: the audit trail must not take entries from clients. */
const SERVER_WRITTEN = new Set(['AuditEvent']);

export function mayWrite(principal: Principal, type: string): Verdict {
  if (SERVER_WRITTEN.has(type)) return deny(`${type} is written by the server only`);
  if (principal.kind === 'system') return allow;
  for (const role of principal.roles) {
    const types = WRITABLE[role];
    if (types.includes(type)) return allow;
    if (types.includes(CLINICAL_WRITE) && !isDirectoryType(type)) return allow;
  }
  return deny(`Your role may not write ${type}`);
}

export function isCareGiver(principal: Principal): boolean {
  return principal.kind === 'staff' && principal.roles.some((r) => CARE_ROLES.includes(r));
}
