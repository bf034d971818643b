/**
 * Great-circle geometry on a spherical Earth. Distances are haversine distances in kilometres; the
 * 3-D unit vectors exist because straight-line (chord) distance between them orders points exactly as
 * great-circle distance does, which lets a plain Euclidean k-d tree answer great-circle queries.
 */

/** Mean Earth radius (IUGG), km. A sphere errs by < 0.5 % against the ellipsoid: far below the
 * uncertainty of a commune centroid standing for where people live. */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Haversine great-circle distance in km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  // atan2 rather than asin: accurate for antipodal points too, where asin(√s) loses digits.
  return 2 * EARTH_RADIUS_KM * Math.atan2(Math.sqrt(s), Math.sqrt(Math.max(0, 1 - s)));
}

/** Point on the unit sphere, as [x, y, z]. */
export function unitVector(lat: number, lon: number): [number, number, number] {
  const phi = lat * RAD;
  const lambda = lon * RAD;
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

/** Chord length on the unit sphere that subtends a great-circle distance of `km`. */
export function chordOfKm(km: number): number {
  const angle = Math.min(Math.PI, km / EARTH_RADIUS_KM);
  return 2 * Math.sin(angle / 2);
}

/** Whether a latitude/longitude pair is a real position (finite, in range). */
export function isValidPosition(lat: number, lon: number): boolean {
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}
