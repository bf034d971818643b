/**
 * Administrators' additions and corrections to the OpenStreetMap facility list, kept as FHIR
 * Locations (a directory type: exchanged and audited like the rest of the registry):
 *   - an added facility: a Location typed with its kind (facility-kind) and its position;
 *   - a corrected OSM facility: the same, with the OSM element as identifier (it replaces it);
 *   - a removed OSM facility (closed, wrongly mapped): status `inactive` with the OSM identifier.
 * Every coverage analysis and plan reads the OSM list with these edits applied.
 */
import type { Location } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import {
  applyFacilityEdits,
  FACILITY_KINDS,
  type Facility,
  type FacilityEdits,
  isFacilityKind,
} from './planning/index.ts';
import { FACILITY_KIND_SYSTEM, OSM_SYSTEM } from './terms.ts';

export interface FacilityEditInput {
  name?: unknown;
  kind?: unknown;
  lat?: unknown;
  lon?: unknown;
  /** The OSM element this corrects or removes ("node/123"). */
  corrects?: unknown;
  removed?: unknown;
}

export interface FacilityEdit {
  /** The Location that holds the edit. */
  id: string;
  name: string;
  kind?: string;
  lat?: number;
  lon?: number;
  corrects?: string;
  removed: boolean;
  lastUpdated?: string;
}

/** What is wrong with an edit, by field (empty when it can be saved). Pure. */
export function facilityEditProblems(input: FacilityEditInput): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const removed = input.removed === true;
  if (
    input.corrects !== undefined &&
    (typeof input.corrects !== 'string' || !/^(node|way|relation)\/\d{1,20}$/.test(input.corrects))
  )
    problems.push({
      field: 'corrects',
      message: 'corrects is an OpenStreetMap element such as node/4228604166',
    });
  if (removed) {
    if (input.corrects === undefined)
      problems.push({ field: 'corrects', message: 'Say which OpenStreetMap facility does not exist' });
    return problems;
  }
  if (typeof input.name !== 'string' || input.name.trim().length < 2 || input.name.length > 200)
    problems.push({ field: 'name', message: 'Give the facility’s name (2 to 200 characters)' });
  if (typeof input.kind !== 'string' || !isFacilityKind(input.kind))
    problems.push({ field: 'kind', message: `kind is one of ${FACILITY_KINDS.join(', ')}` });
  const lat = Number(input.lat);
  const lon = Number(input.lon);
  if (typeof input.lat !== 'number' || !(lat >= 20 && lat <= 36.5))
    problems.push({ field: 'lat', message: 'Latitude in Morocco is between 20 and 36.5 (decimal degrees)' });
  if (typeof input.lon !== 'number' || !(lon >= -17.5 && lon <= -0.9))
    problems.push({
      field: 'lon',
      message: 'Longitude in Morocco is between −17.5 and −0.9 (decimal degrees)',
    });
  return problems;
}

/** The Location that records an edit (checked by facilityEditProblems first). Pure. */
export function editLocation(input: FacilityEditInput, id: string): Location {
  const corrects = typeof input.corrects === 'string' ? input.corrects : undefined;
  const identifier = corrects ? [{ system: OSM_SYSTEM, value: corrects }] : undefined;
  if (input.removed === true) {
    return {
      resourceType: 'Location',
      id,
      status: 'inactive',
      name: typeof input.name === 'string' && input.name.trim() ? input.name.trim() : `OSM ${corrects}`,
      identifier,
      description: 'Facility removed from the planning list (it does not exist, or is closed)',
    };
  }
  return {
    resourceType: 'Location',
    id,
    status: 'active',
    name: String(input.name).trim(),
    ...(identifier ? { identifier } : {}),
    type: [{ coding: [{ system: FACILITY_KIND_SYSTEM, code: String(input.kind) }] }],
    position: { latitude: Number(input.lat), longitude: Number(input.lon) },
  };
}

export function editOf(location: Location): FacilityEdit | undefined {
  const kind = location.type
    ?.flatMap((t) => t.coding ?? [])
    .find((c) => c.system === FACILITY_KIND_SYSTEM)?.code;
  const corrects = location.identifier?.find((i) => i.system === OSM_SYSTEM)?.value;
  if (!kind && !corrects) return undefined;
  return {
    id: location.id as string,
    name: location.name ?? '',
    ...(kind ? { kind } : {}),
    ...(location.position ? { lat: location.position.latitude, lon: location.position.longitude } : {}),
    ...(corrects ? { corrects } : {}),
    removed: location.status === 'inactive',
    ...(location.meta?.lastUpdated ? { lastUpdated: location.meta.lastUpdated } : {}),
  };
}

/** Edits as applyFacilityEdits takes them. Pure. */
export function editsOf(list: FacilityEdit[]): FacilityEdits {
  const upsert: Facility[] = [];
  const remove: string[] = [];
  for (const e of list) {
    if (e.removed) {
      if (e.corrects) remove.push(e.corrects);
      continue;
    }
    if (!e.kind || !isFacilityKind(e.kind) || e.lat === undefined || e.lon === undefined) continue;
    upsert.push({ id: e.corrects ?? `sahti/${e.id}`, name: e.name, kind: e.kind, lat: e.lat, lon: e.lon });
  }
  return { upsert, remove };
}

/** Every edit in the store (Locations with a facility kind or an OSM identifier). */
export async function loadFacilityEdits(store: FhirStore): Promise<FacilityEdit[]> {
  const out: FacilityEdit[] = [];
  for (const query of [`${FACILITY_KIND_SYSTEM}|`, `${OSM_SYSTEM}|`]) {
    let cursor: string | undefined;
    for (;;) {
      const page = await store.search('Location', [
        [query.startsWith(OSM_SYSTEM) ? 'identifier' : 'type', query],
        ['_count', '1000'],
        ...(cursor ? ([['_cursor', cursor]] as [string, string][]) : []),
      ]);
      for (const l of page.matches as Location[]) {
        const edit = editOf(l);
        if (edit && !out.some((e) => e.id === edit.id)) out.push(edit);
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
  }
  return out;
}

/** The OSM list with the administrators' edits applied. */
export async function currentFacilities(store: FhirStore, osm: readonly Facility[]): Promise<Facility[]> {
  return applyFacilityEdits(osm, editsOf(await loadFacilityEdits(store)));
}
