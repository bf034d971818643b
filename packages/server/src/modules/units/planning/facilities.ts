/**
 * Health facilities the analysis measures distance to: OpenStreetMap's list (data/reference/
 * facilities.csv, © OpenStreetMap contributors, ODbL) plus what administrators add or correct, since
 * OSM misses many public health centres. Parsing reports problems per row instead of throwing, so
 * an upload can be answered with what to fix; `applyFacilityEdits` gives the changed list.
 */
import { parseCsv } from '../../../demo/csv.ts';
import { isValidPosition } from './geo.ts';

export const FACILITY_KINDS = ['hospital', 'clinic', 'health_centre', 'doctor'] as const;
export type FacilityKind = (typeof FACILITY_KINDS)[number];
/** The kinds the deployment planner counts as care within reach (a doctor's office is not enough). */
export const CARE_FACILITY_KINDS: readonly FacilityKind[] = ['hospital', 'clinic', 'health_centre'];

export interface Facility {
  /** Stable identifier: the OSM element ("node/4228604166") or one an administrator chose. */
  id: string;
  name: string;
  kind: FacilityKind;
  lat: number;
  lon: number;
}

export interface FacilityProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  message: string;
}

export const isFacilityKind = (value: string): value is FacilityKind =>
  (FACILITY_KINDS as readonly string[]).includes(value);

/**
 * Reads facilities in the columns of facilities.csv (name, kind, lat, lon, source_id; `region` is
 * ignored). A row without source_id gets "row/<line>" as its id. Bad rows are left out and reported.
 */
export function parseFacilitiesCsv(text: string): { facilities: Facility[]; problems: FacilityProblem[] } {
  const facilities: Facility[] = [];
  const problems: FacilityProblem[] = [];
  const records = parseCsv(text);
  const header = records.length > 0 ? Object.keys(records[0]) : [];
  const missing = ['kind', 'lat', 'lon'].filter((c) => records.length > 0 && !header.includes(c));
  if (missing.length > 0) {
    return { facilities, problems: [{ line: 1, message: `missing column(s): ${missing.join(', ')}` }] };
  }
  const seen = new Set<string>();
  records.forEach((row, i) => {
    const line = i + 2;
    const kind = (row.kind ?? '').trim();
    const lat = Number(row.lat);
    const lon = Number(row.lon);
    const id = (row.source_id ?? '').trim() || `row/${line}`;
    if (!isFacilityKind(kind)) {
      problems.push({ line, message: `kind "${kind}" is not one of ${FACILITY_KINDS.join(', ')}` });
    } else if (row.lat?.trim() === '' || row.lon?.trim() === '' || !isValidPosition(lat, lon)) {
      problems.push({ line, message: `lat "${row.lat}" / lon "${row.lon}" is not a position` });
    } else if (seen.has(id)) {
      problems.push({ line, message: `source_id "${id}" appears twice` });
    } else {
      seen.add(id);
      facilities.push({ id, name: (row.name ?? '').trim(), kind, lat, lon });
    }
  });
  return { facilities, problems };
}

export interface FacilityEdits {
  /** Added, or replacing the facility with the same id (a corrected position or kind). */
  upsert?: readonly Facility[];
  /** Ids of facilities that do not exist (closed, or wrongly mapped). */
  remove?: readonly string[];
}

/** The facility list after an administrator's edits; the input list is not modified. */
export function applyFacilityEdits(base: readonly Facility[], edits: FacilityEdits): Facility[] {
  const removed = new Set(edits.remove ?? []);
  const byId = new Map<string, Facility>();
  for (const f of base) if (!removed.has(f.id)) byId.set(f.id, f);
  for (const f of edits.upsert ?? []) if (!removed.has(f.id)) byId.set(f.id, f);
  return [...byId.values()];
}
