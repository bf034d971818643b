/**
 * Demo care facilities: real, named OpenStreetMap facilities from data/reference/facilities.csv,
 * one hospital per region plus two urban health centres, each as an Organization (with a synthetic
 * INPE) and a Location (with the real coordinates).
 *
 * The list is hand-picked by OSM id rather than drawn at random: many OSM entries are mis-tagged
 * (pharmacies tagged as hospitals, placeholder names), and a demo should show recognisable places.
 */
import type { Location, Organization, Reference } from '@medplum/fhirtypes';
import { INPE_SYSTEM, isValidInpe } from '../identifiers/morocco.ts';
import type { DemoBundleBuilder } from './bundle-builder.ts';
import type { Random } from './random.ts';
import { type Commune, communeAt, type Facility, placeOf, type ReferenceData } from './reference-data.ts';
import { concept, SYSTEM } from './terminology.ts';

/** OSM ids of the demo facilities, in a fixed order (the order practitioners are assigned by). */
export const DEMO_FACILITY_SOURCE_IDS: readonly string[] = [
  'way/150779200', // CHU Ibn Rochd, Casablanca (Casablanca-Settat)
  'way/152610307', // CHU Ibn Sina, Rabat (Rabat-Salé-Kénitra)
  'node/3899915428', // CHU Hassan II, Fès (Fès-Meknès)
  'way/150782355', // CHU Mohammed VI, Marrakech (Marrakech-Safi)
  'way/306127863', // CHU Mohammed VI, Oujda (Oriental)
  'way/398750216', // Hôpital Hassan II, Agadir (Souss-Massa)
  'way/122398955', // Hôpital Mohammed V, Tanger (Tanger-Tétouan-Al Hoceima)
  'way/312980511', // Hôpital Hassan II, Khouribga (Béni Mellal-Khénifra)
  'way/449038443', // Hôpital provincial de Midelt (Drâa-Tafilalet)
  'way/789179697', // Centre Hospitalier Provincial Sidi Ifni (Guelmim-Oued Noun)
  'way/311290860', // Hôpital Moulay Hassan Ben Mehdi, Laâyoune (Laâyoune-Sakia El Hamra)
  'way/251776350', // Hôpital Hassan II, Dakhla (Dakhla-Oued Ed-Dahab)
  'way/425094826', // Centre de Santé Derb el Kheir, Casablanca
  'way/444534041', // Centre de Santé Hay El Kifah, Salé
];

export interface DemoFacility {
  source: Facility;
  /** The commune it lies in (best guess): gives the facility its city, province and region. */
  commune: Commune;
  organization: Reference<Organization>;
  location: Reference<Location>;
}

const KIND_LABEL_FR: Record<Facility['kind'], string> = {
  hospital: 'Hôpital',
  clinic: 'Clinique',
  health_centre: 'Centre de santé',
  doctor: 'Cabinet médical',
};

/** v3 RoleCode service delivery location types. */
const LOCATION_TYPE: Record<Facility['kind'], { code: string; display: string }> = {
  hospital: { code: 'HOSP', display: 'Hospital' },
  clinic: { code: 'OF', display: 'Outpatient facility' },
  health_centre: { code: 'PC', display: 'Primary care clinic' },
  doctor: { code: 'OF', display: 'Outpatient facility' },
};

/** A synthetic INPE, unique across the bundle (organisations and practitioners share the register). */
export function newInpe(rng: Random, used: Set<string>): string {
  let value = `${rng.int(1, 9)}${rng.digits(8)}`;
  while (used.has(value)) value = `${rng.int(1, 9)}${rng.digits(8)}`;
  if (!isValidInpe(value)) throw new Error(`generated INPE ${value} is not valid`);
  used.add(value);
  return value;
}

export function addFacilities(
  builder: DemoBundleBuilder,
  data: ReferenceData,
  rng: Random,
  usedInpe: Set<string>,
): DemoFacility[] {
  const bySourceId = new Map(data.facilities.map((f) => [f.sourceId, f]));
  return DEMO_FACILITY_SOURCE_IDS.map((sourceId) => {
    const source = bySourceId.get(sourceId);
    if (!source) throw new Error(`demo facility ${sourceId} is missing from facilities.csv`);
    const commune = communeAt(data, source.latitude, source.longitude);
    const address = {
      use: 'work' as const,
      type: 'physical' as const,
      ...placeOf(data, commune),
      country: 'MA',
    };

    const organization = builder.add<Organization>(
      {
        resourceType: 'Organization',
        identifier: [
          {
            use: 'official',
            type: concept(SYSTEM.identifierType, 'XX', 'Organization identifier', 'INPE'),
            system: INPE_SYSTEM,
            value: newInpe(rng, usedInpe),
          },
        ],
        active: true,
        type: [concept(SYSTEM.organizationType, 'prov', 'Healthcare Provider', KIND_LABEL_FR[source.kind])],
        name: source.name,
        telecom: [{ system: 'phone', value: `+2125${rng.digits(8)}`, use: 'work' }],
        address: [address],
      },
      source.name,
    );

    const location = builder.add<Location>(
      {
        resourceType: 'Location',
        // The OSM element the name and position come from (© OpenStreetMap contributors, ODbL).
        identifier: [{ system: 'https://www.openstreetmap.org', value: source.sourceId }],
        status: 'active',
        name: source.name,
        mode: 'instance',
        type: [concept(SYSTEM.roleCode, LOCATION_TYPE[source.kind].code, LOCATION_TYPE[source.kind].display)],
        address,
        position: { longitude: source.longitude, latitude: source.latitude },
        managingOrganization: organization,
      },
      source.name,
    );

    return { source, commune, organization, location };
  });
}
