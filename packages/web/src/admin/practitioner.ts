/**
 * A health worker as the registry keeps them (IHE mCSD): a Practitioner (names in Latin and Arabic
 * script, INPE) and a PractitionerRole (what they do, in which specialty, where). Pure.
 */
import type { Bundle, HumanName, Practitioner, PractitionerRole } from '@medplum/fhirtypes';
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
  /** `Organization/…` where they work. */
  organization: string;
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
  organization: '',
};

/** A problem and the key of the message (admin `errors.*`) that says how to fix it. */
export type PractitionerProblem = {
  field: keyof PractitionerValues;
  key: 'givenRequired' | 'familyRequired' | 'inpe' | 'role' | 'organizationRequired';
};

export function practitionerProblems(values: PractitionerValues): PractitionerProblem[] {
  const problems: PractitionerProblem[] = [];
  if (!values.given.trim()) problems.push({ field: 'given', key: 'givenRequired' });
  if (!values.family.trim()) problems.push({ field: 'family', key: 'familyRequired' });
  if (!/^[0-9]{9}$/.test(values.inpe.trim())) problems.push({ field: 'inpe', key: 'inpe' });
  if (values.roles.length === 0) problems.push({ field: 'roles', key: 'role' });
  if (!values.organization) problems.push({ field: 'organization', key: 'organizationRequired' });
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
  organization: ['PractitionerRole.organization'],
};

/** The entries of the practitioner transaction, in order. */
export const PRACTITIONER_ENTRIES = ['Practitioner', 'PractitionerRole'];

export function practitionerValues(practitioner: Practitioner, role?: PractitionerRole): PractitionerValues {
  const latin = practitioner.name?.find(
    (n) => !n.extension?.some((e) => e.url === LANGUAGE && e.valueCode === 'ar'),
  );
  const arabic = practitioner.name?.find((n) =>
    n.extension?.some((e) => e.url === LANGUAGE && e.valueCode === 'ar'),
  );
  const specialty = role?.specialty?.[0]?.coding?.find((c) => c.system === SNOMED)?.code ?? '';
  return {
    given: latin?.given?.join(' ') ?? '',
    family: latin?.family ?? '',
    arabicName: arabic?.text ?? '',
    inpe: practitioner.identifier?.find((i) => i.system === INPE_SYSTEM)?.value ?? '',
    gender: practitioner.gender === 'female' || practitioner.gender === 'male' ? practitioner.gender : '',
    phone: practitioner.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    roles: (role?.code ?? []).flatMap(
      (c) => c.coding?.filter((x) => x.system === ROLE_SYSTEM).map((x) => x.code ?? '') ?? [],
    ),
    specialty: specialty in SPECIALTIES ? (specialty as SpecialtyCode) : '',
    organization: role?.organization?.reference ?? '',
  };
}

export function practitionerTransaction(
  values: PractitionerValues,
  existing?: { practitioner: Practitioner; role?: PractitionerRole },
  organizationName?: string,
): Bundle {
  const given = values.given.trim().split(/\s+/);
  const family = values.family.trim();
  const names: HumanName[] = [{ use: 'official', text: `${given.join(' ')} ${family}`, family, given }];
  if (values.arabicName.trim()) {
    names.push({
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
    name: names,
    gender: values.gender || undefined,
    telecom: values.phone.trim() ? [{ system: 'phone', value: values.phone.trim(), use: 'work' }] : undefined,
  };
  const role: PractitionerRole = {
    ...existing?.role,
    resourceType: 'PractitionerRole',
    active: true,
    practitioner: { reference: practitionerUrl, display: names[0].text },
    organization: {
      reference: values.organization,
      ...(organizationName ? { display: organizationName } : {}),
    },
    code: values.roles.map((code) => ({ coding: [{ system: ROLE_SYSTEM, code }] })),
    specialty: values.specialty
      ? [{ coding: [{ system: SNOMED, code: values.specialty, display: SPECIALTIES[values.specialty] }] }]
      : undefined,
  };
  const roleId = existing?.role?.id;
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
      {
        fullUrl: roleId ? `PractitionerRole/${roleId}` : 'urn:uuid:5a4f0c1e-0000-4000-8000-000000000012',
        resource: role,
        request: roleId
          ? { method: 'PUT', url: `PractitionerRole/${roleId}` }
          : { method: 'POST', url: 'PractitionerRole' },
      },
    ],
  };
}
