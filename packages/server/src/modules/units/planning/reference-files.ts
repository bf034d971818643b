/**
 * The file-reading edge of the planner: loads data/reference (see data/reference/SOURCES.md) and
 * administrators' facility files. Everything it returns goes to the pure functions of this folder.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Facility, type FacilityProblem, parseFacilitiesCsv } from './facilities.ts';
import { type Geography, parseCommunes, parseProvinces, parseRegions } from './geography.ts';

/** <repo>/data/reference, resolved from this file (packages/server/src/modules/units/planning/). */
export const REFERENCE_DIR = fileURLToPath(new URL('../../../../../../data/reference/', import.meta.url));

export interface PlanningReference {
  geography: Geography;
  /** OpenStreetMap facilities (a sample: OSM misses many public health centres). */
  facilities: Facility[];
}

const cache = new Map<string, PlanningReference>();

export function loadPlanningReference(dir: string = REFERENCE_DIR): PlanningReference {
  const cached = cache.get(dir);
  if (cached) return cached;
  const read = (file: string): string => readFileSync(`${dir.replace(/\/?$/, '/')}${file}`, 'utf8');
  const { facilities, problems } = parseFacilitiesCsv(read('facilities.csv'));
  if (problems.length > 0) {
    throw new Error(`facilities.csv: ${problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
  }
  const reference: PlanningReference = {
    geography: {
      regions: parseRegions(read('regions.csv')),
      provinces: parseProvinces(read('provinces.csv')),
      communes: parseCommunes(read('communes.csv')),
    },
    facilities,
  };
  cache.set(dir, reference);
  return reference;
}

export function readFacilitiesFile(path: string): { facilities: Facility[]; problems: FacilityProblem[] } {
  return parseFacilitiesCsv(readFileSync(path, 'utf8'));
}
