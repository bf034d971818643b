/**
 * The facilities a unit refers patients to, for the field app to keep offline: the directory's
 * Locations (with their Organization) in the region of the unit's base, nearest first. A region
 * holds a few hundred at most; the app keeps the nearest `limit`.
 */
import type { Location } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import { haversineKm } from '../planning/geo.ts';
import { loadPlanningReference } from '../planning/reference-files.ts';
import { COMMUNE_SYSTEM, LOCATION_TYPE_SYSTEM } from '../terms.ts';

export interface ReferralFacility {
  organization: string;
  location: string;
  name: string;
  description?: string;
  km: number;
}

export async function referralFacilities(
  store: FhirStore,
  unitId: string,
  limit = 30,
): Promise<ReferralFacility[]> {
  const base = (await store.readIfPresent('Location', `base-${unitId}`.slice(0, 64))) as Location | undefined;
  const commune = base?.identifier?.find((i) => i.system === COMMUNE_SYSTEM)?.value;
  const { geography } = loadPlanningReference();
  const regionCode = geography.communes.find((c) => c.code === commune)?.regionCode;
  const region = geography.regions.find((r) => r.code === regionCode);
  const lat = base?.position?.latitude;
  const lon = base?.position?.longitude;
  if (!region || lat === undefined || lon === undefined) return [];
  const page = await store.search('Location', [
    ['address-state', region.nameFr],
    ['status', 'active'],
    ['_count', '1000'],
  ]);
  return (page.matches as Location[])
    .filter(
      (l) =>
        l.managingOrganization?.reference?.startsWith('Organization/') &&
        l.position &&
        !l.type?.some((t) => t.coding?.some((c) => c.system === LOCATION_TYPE_SYSTEM)),
    )
    .map((l) => ({
      organization: l.managingOrganization?.reference as string,
      location: `Location/${l.id}`,
      name: l.name ?? '',
      ...(l.description ? { description: l.description } : {}),
      km: Math.round(haversineKm(lat, lon, l.position?.latitude as number, l.position?.longitude as number)),
    }))
    .sort((a, b) => a.km - b.km)
    .slice(0, limit);
}
