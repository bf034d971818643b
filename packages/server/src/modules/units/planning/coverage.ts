/**
 * Coverage analysis: how far each commune's centroid is from the nearest health facility (great-circle),
 * and how many people live beyond 5, 10, 20 km, nationally, by region and by province. A commune's
 * whole 2024 population is placed at its centroid: a coarse proxy for where people live, stated in
 * every output. Facilities are an input, so an administrator's additions change the answer at once.
 */
import { CARE_FACILITY_KINDS, type Facility, type FacilityKind } from './facilities.ts';
import { type Commune, type Geography, isLocated } from './geography.ts';
import { GreatCircleIndex } from './point-index.ts';

export interface CommuneAccess {
  code: string;
  /** Nearest facility of the kinds asked for; undefined when there is none at all. */
  facilityId?: string;
  /** Great-circle km from the commune centroid to that facility (Infinity when there is none). */
  km: number;
}

export interface CoverageOptions {
  /** Facility kinds that count (default: hospital, clinic, health_centre). */
  kinds?: readonly FacilityKind[];
  /** Distance bands in km (default 5, 10, 20). */
  thresholdsKm?: readonly number[];
  /** Count rural communes only. */
  ruralOnly?: boolean;
}

export interface PopulationBeyond {
  km: number;
  population: number;
  communes: number;
  /** Share of the area's located population. */
  share: number;
}

export interface AreaCoverage {
  code: string;
  nameFr: string;
  nameAr: string;
  population: number;
  communes: number;
  /** People in communes without a centroid, whose distance is unknown (not in `beyond`). */
  unlocatedPopulation: number;
  /** Population-weighted mean distance to the nearest facility, km. */
  meanKm: number;
  beyond: PopulationBeyond[];
}

export interface CoverageReport {
  kinds: FacilityKind[];
  thresholdsKm: number[];
  ruralOnly: boolean;
  facilityCount: number;
  national: AreaCoverage;
  regions: AreaCoverage[];
  provinces: AreaCoverage[];
  communes: CommuneAccess[];
}

/** Nearest facility of the given kinds for every located commune, keyed by commune code. */
export function nearestFacilities(
  communes: readonly Commune[],
  facilities: readonly Facility[],
  kinds: readonly FacilityKind[] = CARE_FACILITY_KINDS,
): Map<string, CommuneAccess> {
  const eligible = facilities.filter((f) => kinds.includes(f.kind));
  const index = new GreatCircleIndex(eligible);
  const access = new Map<string, CommuneAccess>();
  for (const c of communes) {
    if (!isLocated(c)) continue;
    const hit = index.nearest(c.lat, c.lon);
    access.set(
      c.code,
      hit ? { code: c.code, facilityId: eligible[hit.index].id, km: hit.km } : { code: c.code, km: Infinity },
    );
  }
  return access;
}

export function analyseCoverage(
  geography: Geography,
  facilities: readonly Facility[],
  options: CoverageOptions = {},
): CoverageReport {
  const kinds = [...(options.kinds ?? CARE_FACILITY_KINDS)];
  const thresholdsKm = [...(options.thresholdsKm ?? [5, 10, 20])].sort((a, b) => a - b);
  const ruralOnly = options.ruralOnly ?? false;
  const communes = geography.communes.filter((c) => !ruralOnly || c.rural);
  const access = nearestFacilities(communes, facilities, kinds);

  const tally = (code: string, nameFr: string, nameAr: string, members: readonly Commune[]): AreaCoverage => {
    let population = 0;
    let unlocatedPopulation = 0;
    let weightedKm = 0;
    const beyond = thresholdsKm.map((km) => ({ km, population: 0, communes: 0, share: 0 }));
    for (const c of members) {
      population += c.population;
      const a = access.get(c.code);
      if (!a) {
        unlocatedPopulation += c.population;
        continue;
      }
      weightedKm += a.km * c.population;
      for (const band of beyond) {
        if (a.km > band.km) {
          band.population += c.population;
          band.communes++;
        }
      }
    }
    const located = population - unlocatedPopulation;
    for (const band of beyond) band.share = located > 0 ? band.population / located : 0;
    return {
      code,
      nameFr,
      nameAr,
      population,
      communes: members.length,
      unlocatedPopulation,
      meanKm: located > 0 ? weightedKm / located : 0,
      beyond,
    };
  };

  const groupBy = (key: (c: Commune) => string): Map<string, Commune[]> => {
    const groups = new Map<string, Commune[]>();
    for (const c of communes) {
      const k = key(c);
      const list = groups.get(k);
      if (list) list.push(c);
      else groups.set(k, [c]);
    }
    return groups;
  };
  const byRegion = groupBy((c) => c.regionCode);
  const byProvince = groupBy((c) => c.provinceCode);
  const regionNames = new Map(geography.regions.map((r) => [r.code, r]));
  const provinceNames = new Map(geography.provinces.map((p) => [p.code, p]));

  return {
    kinds,
    thresholdsKm,
    ruralOnly,
    facilityCount: facilities.filter((f) => kinds.includes(f.kind)).length,
    national: tally('MA', 'Maroc', 'المغرب', communes),
    regions: [...byRegion].map(([code, members]) =>
      tally(code, regionNames.get(code)?.nameFr ?? code, regionNames.get(code)?.nameAr ?? '', members),
    ),
    provinces: [...byProvince].map(([code, members]) =>
      tally(code, provinceNames.get(code)?.nameFr ?? code, provinceNames.get(code)?.nameAr ?? '', members),
    ),
    communes: [...access.values()],
  };
}
