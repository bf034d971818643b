/**
 * The code systems and codes of an IHE BALP AuditEvent (FHIR R4), in one place: which event type,
 * subtype, action and user-agent type each interaction is recorded with.
 */
import type { Coding } from '@medplum/fhirtypes';

export const SYSTEMS = {
  auditEventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleClass: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  /** Sahti's own: account roles (access/principal.ts) and account / OAuth client identifiers. */
  sahtiRole: 'https://sahti.ma/fhir/CodeSystem/role',
  sahtiAccount: 'https://sahti.ma/fhir/NamingSystem/account',
  sahtiClient: 'https://sahti.ma/fhir/NamingSystem/oauth-client',
  sahtiAuditSubtype: 'https://sahti.ma/fhir/CodeSystem/audit-subtype',
} as const;

export const INTERACTIONS = [
  'read',
  'vread',
  'search',
  'create',
  'update',
  'patch',
  'delete',
  'history',
  'export',
  'login',
  'logout',
  'break-glass',
  'operation',
  'care-relation-start',
  'care-relation-end',
] as const;

export type AuditInteraction = (typeof INTERACTIONS)[number];

/** AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

interface InteractionCodes {
  type: Coding;
  /** Given the scope of the request (instance, type or whole system). */
  subtype: (scope: 'instance' | 'type' | 'system') => Coding;
  action: AuditAction;
  /** BALP UserAgentTypes: information recipient for reads, author for writes, informant for export. */
  userType: Coding;
}

const REST: Coding = { system: SYSTEMS.auditEventType, code: 'rest', display: 'Restful Operation' };
const rest = (code: string): Coding => ({ system: SYSTEMS.restfulInteraction, code });
const dcm = (code: string, display: string): Coding => ({ system: SYSTEMS.dicom, code, display });
const RECIPIENT: Coding = {
  system: SYSTEMS.participationType,
  code: 'IRCP',
  display: 'information recipient',
};
const AUTHOR: Coding = { system: SYSTEMS.participationType, code: 'AUT', display: 'author (originator)' };
const INFORMANT: Coding = { system: SYSTEMS.participationType, code: 'INF', display: 'informant' };

const restful = (
  action: AuditAction,
  code: string | ((s: string) => string),
): Omit<InteractionCodes, 'userType'> => ({
  type: REST,
  subtype: (scope) => rest(typeof code === 'string' ? code : code(scope)),
  action,
});

export const INTERACTION_CODES: Record<AuditInteraction, InteractionCodes> = {
  read: { ...restful('R', 'read'), userType: RECIPIENT },
  vread: { ...restful('R', 'vread'), userType: RECIPIENT },
  // BALP records a query as Execute
  search: { ...restful('E', (s) => (s === 'system' ? 'search-system' : 'search-type')), userType: RECIPIENT },
  history: { ...restful('R', (s) => `history-${s}`), userType: RECIPIENT },
  operation: { ...restful('E', 'operation'), userType: RECIPIENT },
  create: { ...restful('C', 'create'), userType: AUTHOR },
  update: { ...restful('U', 'update'), userType: AUTHOR },
  patch: { ...restful('U', 'patch'), userType: AUTHOR },
  delete: { ...restful('D', 'delete'), userType: AUTHOR },
  export: {
    type: dcm('110106', 'Export'),
    subtype: () => rest('operation'),
    action: 'R',
    userType: INFORMANT,
  },
  login: {
    type: dcm('110114', 'User Authentication'),
    subtype: () => dcm('110122', 'Login'),
    action: 'E',
    userType: RECIPIENT,
  },
  logout: {
    type: dcm('110114', 'User Authentication'),
    subtype: () => dcm('110123', 'Logout'),
    action: 'E',
    userType: RECIPIENT,
  },
  'break-glass': {
    type: dcm('110113', 'Security Alert'),
    subtype: () => dcm('110127', 'Emergency Override Started'),
    action: 'E',
    userType: RECIPIENT,
  },
  // a care relationship opened or ended: who may now see the record changed
  'care-relation-start': {
    type: dcm('110136', 'Security Roles Changed'),
    subtype: () => ({
      system: SYSTEMS.sahtiAuditSubtype,
      code: 'care-relation-start',
      display: 'Care relationship started',
    }),
    action: 'E',
    userType: RECIPIENT,
  },
  'care-relation-end': {
    type: dcm('110136', 'Security Roles Changed'),
    subtype: () => ({
      system: SYSTEMS.sahtiAuditSubtype,
      code: 'care-relation-end',
      display: 'Care relationship ended',
    }),
    action: 'E',
    userType: RECIPIENT,
  },
};

export const PATIENT_USER: Coding = { system: SYSTEMS.roleClass, code: 'PAT', display: 'patient' };
export const CLIENT_AGENT: Coding = dcm('110153', 'Source Role ID');
export const SERVER_AGENT: Coding = dcm('110152', 'Destination Role ID');
export const APPLICATION_SERVER: Coding = {
  system: SYSTEMS.sourceType,
  code: '4',
  display: 'Application Server',
};

export const ENTITY = {
  person: { system: SYSTEMS.entityType, code: '1', display: 'Person' },
  systemObject: { system: SYSTEMS.entityType, code: '2', display: 'System Object' },
  patientRole: { system: SYSTEMS.objectRole, code: '1', display: 'Patient' },
  domainResource: { system: SYSTEMS.objectRole, code: '4', display: 'Domain Resource' },
  queryRole: { system: SYSTEMS.objectRole, code: '24', display: 'Query' },
} satisfies Record<string, Coding>;

/** Purposes of use (v3 ActReason) the platform records; ETREAT marks a break-the-glass access. */
export const PURPOSE = {
  treatment: { system: SYSTEMS.actReason, code: 'TREAT', display: 'treatment' },
  emergency: { system: SYSTEMS.actReason, code: 'ETREAT', display: 'emergency treatment' },
  patientAdmin: { system: SYSTEMS.actReason, code: 'PATADMIN', display: 'patient administration' },
  patientRequest: { system: SYSTEMS.actReason, code: 'PATRQT', display: 'patient requested' },
  operations: { system: SYSTEMS.actReason, code: 'HOPERAT', display: 'healthcare operations' },
} satisfies Record<string, Coding>;

/**
 * Frozen all the way down. The codes above are frozen at load: an event shares them rather than
 * copying them, so nothing may change them; and frozen parts are what canonicalJson remembers the
 * text of within a batch (chain.ts) and what storable() knows to be clean already (event.ts).
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

for (const shared of [
  INTERACTION_CODES,
  PATIENT_USER,
  CLIENT_AGENT,
  SERVER_AGENT,
  APPLICATION_SERVER,
  ENTITY,
  PURPOSE,
])
  deepFreeze(shared);

/** AuditEvent.outcome from an HTTP status: 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
export function outcomeCode(status: number): '0' | '4' | '8' {
  if (status >= 500) return '8';
  if (status >= 400) return '4';
  return '0';
}
