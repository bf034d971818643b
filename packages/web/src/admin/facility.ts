/**
 * A facility as the registry keeps it (IHE mCSD): an Organization and its Location with a
 * position. Form values ↔ resources, validation, and the transaction that writes both. Pure.
 */
import type { Bundle, Location, Organization } from '@medplum/fhirtypes';
import { INPE_SYSTEM } from '../fhir/display.ts';

export const FACILITY_KINDS = [
  'hospital',
  'health_centre',
  'clinic',
  'dialysis',
  'mobile_unit',
  'doctor',
] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];

/** v3 RoleCode service delivery location types. */
const LOCATION_TYPE: Record<FacilityKind, { code: string; display: string }> = {
  hospital: { code: 'HOSP', display: 'Hospital' },
  health_centre: { code: 'PC', display: 'Primary care clinic' },
  clinic: { code: 'OF', display: 'Outpatient facility' },
  dialysis: { code: 'DX', display: 'Diagnostics or therapeutics unit' },
  mobile_unit: { code: 'MOBL', display: 'Mobile Unit' },
  doctor: { code: 'OF', display: 'Outpatient facility' },
};
const KIND_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/facility-kind';
const ORG_TYPE = 'http://terminology.hl7.org/CodeSystem/organization-type';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

export interface FacilityValues {
  name: string;
  kind: FacilityKind;
  inpe: string;
  city: string;
  region: string;
  phone: string;
  latitude: string;
  longitude: string;
}

export const EMPTY_FACILITY: FacilityValues = {
  name: '',
  kind: 'health_centre',
  inpe: '',
  city: '',
  region: '',
  phone: '',
  latitude: '',
  longitude: '',
};

/** A problem and the key of the message (admin `errors.*`) that says how to fix it. */
export type FacilityProblem = {
  field: keyof FacilityValues;
  key: 'nameRequired' | 'inpeOptional' | 'latitude' | 'longitude' | 'positionBoth';
};

export function facilityProblems(values: FacilityValues): FacilityProblem[] {
  const problems: FacilityProblem[] = [];
  if (!values.name.trim()) problems.push({ field: 'name', key: 'nameRequired' });
  if (values.inpe.trim() && !/^[0-9]{9}$/.test(values.inpe.trim()))
    problems.push({ field: 'inpe', key: 'inpeOptional' });
  const lat = values.latitude.trim();
  const lon = values.longitude.trim();
  if (Boolean(lat) !== Boolean(lon))
    problems.push({ field: lat ? 'longitude' : 'latitude', key: 'positionBoth' });
  if (lat && !(Math.abs(Number(lat.replace(',', '.'))) <= 90))
    problems.push({ field: 'latitude', key: 'latitude' });
  if (lon && !(Math.abs(Number(lon.replace(',', '.'))) <= 180))
    problems.push({ field: 'longitude', key: 'longitude' });
  return problems;
}

export function facilityValues(organization: Organization, location?: Location): FacilityValues {
  const kindCode = location?.type?.[0]?.coding?.find((c) => c.system === KIND_SYSTEM)?.code;
  const byLocationType = FACILITY_KINDS.find((k) =>
    location?.type?.some((t) =>
      t.coding?.some((c) => c.system === ROLE_CODE && c.code === LOCATION_TYPE[k].code),
    ),
  );
  const address = location?.address ?? organization.address?.[0];
  return {
    name: organization.name ?? location?.name ?? '',
    kind: (FACILITY_KINDS as readonly string[]).includes(kindCode ?? '')
      ? (kindCode as FacilityKind)
      : (byLocationType ?? 'clinic'),
    inpe: organization.identifier?.find((i) => i.system === INPE_SYSTEM)?.value ?? '',
    city: address?.city ?? '',
    region: address?.state ?? '',
    phone: organization.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    latitude: location?.position ? String(location.position.latitude) : '',
    longitude: location?.position ? String(location.position.longitude) : '',
  };
}

/** The elements each field writes, to put a server refusal next to the right field. */
export const FACILITY_PATHS: Partial<Record<keyof FacilityValues, string[]>> = {
  name: ['Organization.name', 'Location.name'],
  kind: ['Location.type'],
  inpe: ['Organization.identifier'],
  city: ['Organization.address.city', 'Location.address.city'],
  region: ['Organization.address.state', 'Location.address.state'],
  phone: ['Organization.telecom'],
  latitude: ['Location.position.latitude'],
  longitude: ['Location.position.longitude'],
};

/** The entries of the facility transaction, in order. */
export const FACILITY_ENTRIES = ['Organization', 'Location'];

/** One transaction: the Organization and its Location, created together or updated together. */
export function facilityTransaction(
  values: FacilityValues,
  existing?: { organization: Organization; location?: Location },
): Bundle {
  const orgUrl = existing?.organization.id
    ? `Organization/${existing.organization.id}`
    : 'urn:uuid:5a4f0c1e-0000-4000-8000-000000000001';
  const address = {
    use: 'work' as const,
    type: 'physical' as const,
    ...(values.city.trim() ? { city: values.city.trim() } : {}),
    ...(values.region.trim() ? { state: values.region.trim() } : {}),
    country: 'MA',
  };
  const otherIds = (existing?.organization.identifier ?? []).filter((i) => i.system !== INPE_SYSTEM);
  const organization: Organization = {
    ...existing?.organization,
    resourceType: 'Organization',
    active: true,
    name: values.name.trim(),
    identifier: [
      ...otherIds,
      ...(values.inpe.trim() ? [{ system: INPE_SYSTEM, value: values.inpe.trim() }] : []),
    ],
    type: [{ coding: [{ system: ORG_TYPE, code: 'prov', display: 'Healthcare Provider' }] }],
    telecom: values.phone.trim() ? [{ system: 'phone', value: values.phone.trim(), use: 'work' }] : undefined,
    address: [address],
  };
  const lat = values.latitude.trim();
  const location: Location = {
    ...existing?.location,
    resourceType: 'Location',
    status: 'active',
    mode: 'instance',
    name: values.name.trim(),
    type: [
      {
        coding: [
          { system: ROLE_CODE, ...LOCATION_TYPE[values.kind] },
          { system: KIND_SYSTEM, code: values.kind },
        ],
      },
    ],
    address,
    position: lat
      ? {
          latitude: Number(lat.replace(',', '.')),
          longitude: Number(values.longitude.trim().replace(',', '.')),
        }
      : undefined,
    managingOrganization: { reference: orgUrl, display: values.name.trim() },
  };
  const entry = (resource: Organization | Location, fullUrl: string, id?: string) => ({
    fullUrl,
    resource,
    request: id
      ? { method: 'PUT' as const, url: `${resource.resourceType}/${id}` }
      : { method: 'POST' as const, url: resource.resourceType },
  });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry(organization, orgUrl, existing?.organization.id),
      entry(
        location,
        existing?.location?.id
          ? `Location/${existing.location.id}`
          : 'urn:uuid:5a4f0c1e-0000-4000-8000-000000000002',
        existing?.location?.id,
      ),
    ],
  };
}
