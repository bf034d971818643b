/**
 * The pharmacies a pharmacist's account dispenses for: the active PractitionerRoles of their
 * Practitioner (the account's fhirUser) coded `pharmacist`, each with its Organization (the
 * pharmacy, its INPE as an identifier) and Location. Whoever manages the directory attaches a
 * pharmacist (an administrator, a system client); a pharmacist writes no FHIR resource, so cannot
 * attach themselves to a pharmacy. An account attached to none types the pharmacy's name, as before.
 */
import type { Location, Organization, PractitionerRole, Reference } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import { INPE_SYSTEM } from '../../identifiers/morocco.ts';

export const PHARMACIST_ROLE = {
  system: 'http://terminology.hl7.org/CodeSystem/practitioner-role',
  code: 'pharmacist',
} as const;

export interface AttachedPharmacy {
  name: string;
  organization: Reference<Organization>;
  /** Where it dispenses (MedicationDispense.location), when the role names a Location. */
  location?: Reference<Location>;
  city?: string;
  inpe?: string;
}

/** The pharmacies the Practitioner `fhirUser` dispenses for (none for other accounts). */
export async function pharmaciesOf(
  store: FhirStore,
  fhirUser: string | undefined,
): Promise<AttachedPharmacy[]> {
  if (!fhirUser || !/^Practitioner\/[A-Za-z0-9\-.]{1,64}$/.test(fhirUser)) return [];
  const { matches, included } = await store.search('PractitionerRole', [
    ['practitioner', fhirUser],
    ['role', `${PHARMACIST_ROLE.system}|${PHARMACIST_ROLE.code}`],
    ['active', 'true'],
    ['_include', 'PractitionerRole:organization'],
    ['_include', 'PractitionerRole:location'],
    ['_count', '20'],
  ]);
  const byRef = new Map<string, unknown>(included.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const found: AttachedPharmacy[] = [];
  for (const role of matches as PractitionerRole[]) {
    const organization = byRef.get(role.organization?.reference ?? '') as Organization | undefined;
    if (!organization?.name || organization.active === false) continue;
    const location = role.location
      ?.map((l) => byRef.get(l.reference ?? '') as Location | undefined)
      .find((l) => l && l.status !== 'inactive');
    const inpe = organization.identifier?.find((i) => i.system === INPE_SYSTEM)?.value;
    found.push({
      name: organization.name,
      organization: { reference: `Organization/${organization.id}`, display: organization.name },
      ...(location ? { location: { reference: `Location/${location.id}`, display: organization.name } } : {}),
      ...(location?.address?.city ? { city: location.address.city } : {}),
      ...(inpe ? { inpe } : {}),
    });
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}
