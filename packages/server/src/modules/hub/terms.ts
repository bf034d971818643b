/** The hub's specialties, their Organizations (Task.owner of a request) and urgency order. */
export const HUB_SPECIALTIES = [
  'gyneco-obstetrics',
  'pediatrics',
  'endocrinology',
  'dermatology',
  'ent',
  'cardiology',
  'pulmonology',
] as const;
export type HubSpecialty = (typeof HUB_SPECIALTIES)[number];

export const HUB_ORGANIZATION_TYPE = 'hub-specialty';
export const hubOrganizationId = (s: HubSpecialty) => `hub-${s}`;
export const specialtyOfOwner = (ref: string | undefined): HubSpecialty | undefined => {
  const s = ref?.startsWith('Organization/hub-') ? ref.slice('Organization/hub-'.length) : undefined;
  return (HUB_SPECIALTIES as readonly string[]).includes(s ?? '') ? (s as HubSpecialty) : undefined;
};

/** Task.priority, most urgent first. */
export const URGENCY = ['stat', 'asap', 'urgent', 'routine'] as const;
export const urgencyRank = (p: string | undefined) => {
  const i = (URGENCY as readonly string[]).indexOf(p ?? 'routine');
  return i < 0 ? URGENCY.length : i;
};

/** The unit that asked (on the Task): its answers go back to that unit's team. */
export const REQUESTING_UNIT_URL = 'https://sahti.ma/fhir/StructureDefinition/requesting-unit';
export const TELE_EXPERTISE_CODE = {
  system: 'https://sahti.ma/fhir/CodeSystem/task-code',
  code: 'tele-expertise',
};
