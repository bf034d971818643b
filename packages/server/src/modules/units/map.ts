/**
 * The map of Morocco the planning screens draw, as SVG paths: region and province boundaries from
 * the npm package morocco-map (TopoJSON, © OpenStreetMap contributors, ODbL 1.0; see
 * data/reference/SOURCES.md), projected once on the server (equirectangular, x scaled by the cosine
 * of the middle latitude) and thinned to what a phone screen shows. Points (communes, facilities,
 * stops) are projected by the client with the same numbers, which the answer carries. No tiles: no
 * tile server is reachable from where the platform runs.
 */
import { createRequire } from 'node:module';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';

export interface MapProjection {
  /** x = (lon − west) × kx, y = (north − lat) × ky, in map units (width × height). */
  west: number;
  north: number;
  kx: number;
  ky: number;
  width: number;
  height: number;
}

export interface MoroccoMap {
  projection: MapProjection;
  /** Region code as in regions.csv ("01"…"12"), its name and outline. */
  regions: { code: string; name: string; path: string }[];
  provinces: { id: string; name: string; path: string }[];
  source: string;
}

const WIDTH = 1000;
/** Points closer than this (map units) to the last kept one are dropped. */
const TOLERANCE = 0.8;

type Ring = number[][];
type Geometry = { type: string; coordinates: unknown };

export function projectionFor(bounds: [number, number, number, number], width = WIDTH): MapProjection {
  const [west, south, east, north] = bounds;
  const middle = ((south + north) / 2) * (Math.PI / 180);
  const kx = width / (east - west);
  const ky = kx / Math.cos(middle);
  return { west, north, kx, ky, width, height: Math.ceil((north - south) * ky) };
}

export function project(p: MapProjection, lon: number, lat: number): [number, number] {
  return [(lon - p.west) * p.kx, (p.north - lat) * p.ky];
}

/** One ring as an SVG path fragment, thinned (first and last points always kept). */
export function ringPath(p: MapProjection, ring: Ring): string {
  const out: string[] = [];
  let last: [number, number] | undefined;
  ring.forEach(([lon, lat], i) => {
    const [x, y] = project(p, lon, lat);
    const end = i === ring.length - 1;
    if (last && !end && Math.hypot(x - last[0], y - last[1]) < TOLERANCE) return;
    out.push(`${out.length === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`);
    last = [x, y];
  });
  return out.length >= 3 ? `${out.join('')}Z` : '';
}

function geometryPath(p: MapProjection, g: Geometry): string {
  const polygons = (
    g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
  ) as Ring[][];
  return polygons.flatMap((rings) => rings.map((r) => ringPath(p, r))).join('');
}

function boundsOf(geometries: Geometry[]): [number, number, number, number] {
  let [w, s, e, n] = [180, 90, -180, -90];
  for (const g of geometries) {
    const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Ring[][];
    for (const ring of polygons.flat())
      for (const [lon, lat] of ring) {
        w = Math.min(w, lon);
        e = Math.max(e, lon);
        s = Math.min(s, lat);
        n = Math.max(n, lat);
      }
  }
  return [w, s, e, n];
}

let cached: MoroccoMap | undefined;

/** Built once per process (about 100 ms), then served from memory. */
export function moroccoMap(): MoroccoMap {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const regionsTopo = require('morocco-map/data/regions.json') as Topology;
  const provincesTopo = require('morocco-map/data/provinces.json') as Topology;
  const regions = feature(regionsTopo, regionsTopo.objects.regions) as unknown as {
    features: { id?: string; properties: Record<string, string>; geometry: Geometry }[];
  };
  const provinces = feature(provincesTopo, provincesTopo.objects.provinces) as unknown as {
    features: { id?: string; properties: Record<string, string>; geometry: Geometry }[];
  };
  const projection = projectionFor(boundsOf(regions.features.map((f) => f.geometry)));
  cached = {
    projection,
    regions: regions.features.map((f) => ({
      code: String(f.id ?? '').replace(/^MA-/, ''),
      name: f.properties['name:en'] ?? f.properties.name ?? '',
      path: geometryPath(projection, f.geometry),
    })),
    provinces: provinces.features.map((f) => ({
      id: String(f.id ?? ''),
      name: f.properties.name ?? '',
      path: geometryPath(projection, f.geometry),
    })),
    source: 'morocco-map 1.3.0 (© OpenStreetMap contributors, ODbL 1.0)',
  };
  return cached;
}
