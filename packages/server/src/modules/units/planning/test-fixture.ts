/**
 * A tiny hand-made geography for tests, laid along the meridian 7° W so distances are easy to check:
 * 0.01° of latitude is 1.112 km. One region, two provinces, five located communes and one without
 * a centroid. Names are invented; nothing here is real data.
 */
import type { Facility } from './facilities.ts';
import type { Commune, Geography } from './geography.ts';

const commune = (
  code: string,
  rural: boolean,
  provinceCode: string,
  population: number,
  lat?: number,
): Commune => ({
  code,
  nameFr: `Commune ${code}`,
  nameAr: '',
  rural,
  regionCode: 'R1',
  provinceCode,
  population,
  ...(lat === undefined ? {} : { lat, lon: -7 }),
});

export const tinyGeography: Geography = {
  regions: [{ code: 'R1', nameFr: 'Région Une', nameAr: '' }],
  provinces: [
    { code: 'P1', nameFr: 'Province Une', nameAr: '', regionCode: 'R1' },
    { code: 'P2', nameFr: 'Province Deux', nameAr: '', regionCode: 'R1' },
  ],
  communes: [
    commune('A', false, 'P1', 1000, 31.0), // 0 km from the hospital
    commune('B', true, 'P1', 500, 31.06), // 6.7 km
    commune('C', true, 'P1', 300, 31.12), // 13.3 km
    commune('D', true, 'P2', 200, 31.3), // 33.4 km (0 km from the doctor)
    commune('E', true, 'P2', 150, 31.32), // 35.6 km (2.2 km from D)
    commune('X', true, 'P2', 50), // no centroid
  ],
};

export const tinyFacilities: Facility[] = [
  { id: 'node/1', name: 'Hôpital', kind: 'hospital', lat: 31.0, lon: -7 },
  { id: 'node/2', name: 'Cabinet', kind: 'doctor', lat: 31.3, lon: -7 },
];
