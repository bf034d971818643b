/**
 * A health worker as the registry keeps them (IHE mCSD): a Practitioner (names in Latin and Arabic
 * script, INPE) and one PractitionerRole per facility where they work (what they do, in which
 * specialty, where). The form edits the roles and specialty once, for every facility; a facility
 * taken off the list keeps its PractitionerRole, ended (`active: false`, `period.end`), so the
 * history of who worked where — and the access it gave — stays readable. Pure.
 */
import type { Bundle, BundleEntry, HumanName, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { INPE_SYSTEM } from '../fhir/display.ts';

export const ROLE_CODES = ['doctor', 'nurse', 'pharmacist'] as const;
export const SPECIALTIES = {
  '394814009': 'General practice',
  '394589003': 'Nephrology',
  '394579002': 'Cardiology',
  '394583002': 'Endocrinology',
  '394537008': 'Pediatric specialty',
  '394585009': 'Obstetrics and gynecology',
  '394582007': 'Dermatology',
  '418960008': 'Otolaryngology',
  '418112009': 'Pulmonary medicine',
} as const;
export type SpecialtyCode = keyof typeof SPECIALTIES;

const ROLE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/practitioner-role';
const SNOMED = 'http://snomed.info/sct';
const LANGUAGE = 'http://hl7.org/fhir/StructureDefinition/language';

export interface PractitionerValues {
  given: string;
  family: string;
  /** Full name in Arabic script (optional). */
  arabicName: string;
  inpe: string;
  gender: '' | 'female' | 'male';
  phone: string;
  roles: string[];
  specialty: '' | SpecialtyCode;
  /** `Organization/…` where they work, the main one first. */
  organizations: string[];
}

export const EMPTY_PRACTITIONER: PractitionerValues = {
  given: '',
  family: '',
  arabicName: '',
  inpe: '',
  gender: '',
  phone: '',
  roles: [],
  specialty: '',
  organizations: [],
};

/** A problem and the key of the message (admin `errors.*`) that says how to fix it. */
export type PractitionerProblem = {
  field: keyof PractitionerValues;
  key: 'givenRequired' | 'familyRequired' | 'inpe' | 'role' | 'organizationRequired' | 'organizationTwice';
};

export function practitionerProblems(values: PractitionerValues): PractitionerProblem[] {
  const problems: PractitionerProblem[] = [];
  if (!values.given.trim()) problems.push({ field: 'given', key: 'givenRequired' });
  if (!values.family.trim()) problems.push({ field: 'family', key: 'familyRequired' });
  if (!/^[0-9]{9}$/.test(values.inpe.trim())) problems.push({ field: 'inpe', key: 'inpe' });
  if (values.roles.length === 0) problems.push({ field: 'roles', key: 'role' });
  if (values.organizations.length === 0)
    problems.push({ field: 'organizations', key: 'organizationRequired' });
  else if (new Set(values.organizations).size < values.organizations.length)
    problems.push({ field: 'organizations', key: 'organizationTwice' });
  return problems;
}

/** The elements each field writes, to put a server refusal next to the right field. */
export const PRACTITIONER_PATHS: Partial<Record<keyof PractitionerValues, string[]>> = {
  given: ['Practitioner.name.given'],
  family: ['Practitioner.name.family'],
  arabicName: ['Practitioner.name.text'],
  inpe: ['Practitioner.identifier'],
  gender: ['Practitioner.gender'],
  phone: ['Practitioner.telecom'],
  roles: ['PractitionerRole.code'],
  specialty: ['PractitionerRole.specialty'],
  organizations: ['PractitionerRole.organization'],
};

/** The entries of the practitioner transaction, in order: the Practitioner, then its roles. */
export const PRACTITIONER_ENTRIES = [
  'Practitioner',
  ...Array.from({ length: 200 }, () => 'PractitionerRole'),
];

/** The roles in force: a role ended (inactive, or its period over) is history, not a workplace. */
export function activeRoles(roles: PractitionerRole[], now = Date.now()): PractitionerRole[] {
  return roles.filter((r) => r.active !== false && !(r.period?.end && Date.parse(r.period.end) <= now));
}

export function practitionerValues(
  practitioner: Practitioner,
  roles: PractitionerRole[] = [],
): PractitionerValues {
  const current = activeRoles(roles);
  const latin = practitioner.name?.find(
    (n) => !n.extension?.some((e) => e.url === LANGUAGE && e.valueCode === 'ar'),
  );
  const arabic = practitioner.name?.find((n) =>
    n.extension?.some((e) => e.url === LANGUAGE && e.valueCode === 'ar'),
  );
  const specialty =
    current
      .flatMap((r) => r.specialty ?? [])
      .flatMap((s) => s.coding ?? [])
      .find((c) => c.system === SNOMED)?.code ?? '';
  return {
    given: latin?.given?.join(' ') ?? '',
    family: latin?.family ?? '',
    arabicName: arabic?.text ?? '',
    inpe: practitioner.identifier?.find((i) => i.system === INPE_SYSTEM)?.value ?? '',
    gender: practitioner.gender === 'female' || practitioner.gender === 'male' ? practitioner.gender : '',
    phone: practitioner.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    roles: unique(
      current
        .flatMap((r) => r.code ?? [])
        .flatMap((c) => c.coding?.filter((x) => x.system === ROLE_SYSTEM).map((x) => x.code ?? '') ?? []),
    ),
    specialty: specialty in SPECIALTIES ? (specialty as SpecialtyCode) : '',
    organizations: unique(current.map((r) => r.organization?.reference ?? '')),
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values.filter(Boolean))];
}

/**
 * The Practitioner and a PractitionerRole per facility, in one transaction: a facility already
 * held keeps its role (updated), a new one gets a role, a facility taken off the list has its role
 * ended. `names` gives each facility's name for the role's display.
 */
export function practitionerTransaction(
  values: PractitionerValues,
  existing?: { practitioner: Practitioner; roles: PractitionerRole[] },
  names: Record<string, string> = {},
  now = new Date(),
): Bundle {
  const given = values.given.trim().split(/\s+/);
  const family = values.family.trim();
  const personNames: HumanName[] = [{ use: 'official', text: `${given.join(' ')} ${family}`, family, given }];
  if (values.arabicName.trim()) {
    personNames.push({
      extension: [{ url: LANGUAGE, valueCode: 'ar' }],
      use: 'usual',
      text: values.arabicName.trim(),
    });
  }
  const practitionerUrl = existing?.practitioner.id
    ? `Practitioner/${existing.practitioner.id}`
    : 'urn:uuid:5a4f0c1e-0000-4000-8000-000000000011';
  const otherIds = (existing?.practitioner.identifier ?? []).filter((i) => i.system !== INPE_SYSTEM);
  const practitioner: Practitioner = {
    ...existing?.practitioner,
    resourceType: 'Practitioner',
    active: true,
    identifier: [...otherIds, { system: INPE_SYSTEM, value: values.inpe.trim() }],
    name: personNames,
    gender: values.gender || undefined,
    telecom: values.phone.trim() ? [{ system: 'phone', value: values.phone.trim(), use: 'work' }] : undefined,
  };
  const held = existing?.roles ?? [];
  const inForce = activeRoles(held);
  const roleEntries = values.organizations.map((organization, i) => {
    // the role in force at that facility, or an ended one taken up again
    const before =
      inForce.find((r) => r.organization?.reference === organization) ??
      held.find((r) => r.organization?.reference === organization);
    const { end: _ended, ...period } = before?.period ?? {};
    const role: PractitionerRole = {
      ...before,
      resourceType: 'PractitionerRole',
      active: true,
      period: Object.keys(period).length > 0 ? period : undefined,
      practitioner: { reference: practitionerUrl, display: personNames[0].text },
      organization: {
        reference: organization,
        ...(names[organization] ? { display: names[organization] } : {}),
      },
      code: values.roles.map((code) => ({ coding: [{ system: ROLE_SYSTEM, code }] })),
      specialty: values.specialty
        ? [{ coding: [{ system: SNOMED, code: values.specialty, display: SPECIALTIES[values.specialty] }] }]
        : undefined,
    };
    return roleEntry(role, before?.id, i);
  });
  const kept = new Set(values.organizations);
  const ended = inForce
    .filter((r) => !kept.has(r.organization?.reference ?? ''))
    .map((r, i) =>
      roleEntry(
        { ...r, active: false, period: { ...r.period, end: now.toISOString() } },
        r.id,
        values.organizations.length + i,
      ),
    );
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: practitionerUrl,
        resource: practitioner,
        request: existing?.practitioner.id
          ? { method: 'PUT', url: practitionerUrl }
          : { method: 'POST', url: 'Practitioner' },
      },
      ...roleEntries,
      ...ended,
    ],
  };
}

function roleEntry(role: PractitionerRole, id: string | undefined, index: number): BundleEntry {
  if (id)
    return {
      fullUrl: `PractitionerRole/${id}`,
      resource: role,
      request: { method: 'PUT', url: `PractitionerRole/${id}` },
    };
  const suffix = (0x12 + index).toString(16).padStart(12, '0');
  return {
    fullUrl: `urn:uuid:5a4f0c1e-0000-4000-8000-${suffix}`,
    resource: role,
    request: { method: 'POST', url: 'PractitionerRole' },
  };
}
