import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EARTH_RADIUS_KM, haversineKm, isValidPosition } from './geo.ts';
import { GreatCircleIndex } from './point-index.ts';
import { seeded } from './seeded-random.ts';

describe('great-circle distance', () => {
  it('is one degree of arc along a meridian: 2πR/360', () => {
    assert.ok(Math.abs(haversineKm(31, -7, 32, -7) - (2 * Math.PI * EARTH_RADIUS_KM) / 360) < 1e-9);
  });

  it('is half the circumference between antipodes (to the metre), and zero to itself', () => {
    assert.ok(Math.abs(haversineKm(10, 20, -10, -160) - Math.PI * EARTH_RADIUS_KM) < 1e-3);
    assert.equal(haversineKm(33.5, -7.6, 33.5, -7.6), 0);
  });

  it('puts Rabat (34.0209, -6.8416) about 87 km from Casablanca (33.5731, -7.5898)', () => {
    const km = haversineKm(34.0209, -6.8416, 33.5731, -7.5898);
    assert.ok(km > 85 && km < 89, `${km}`);
  });

  it('rejects positions out of range or not numbers', () => {
    assert.equal(isValidPosition(91, 0), false);
    assert.equal(isValidPosition(0, 181), false);
    assert.equal(isValidPosition(Number.NaN, 0), false);
    assert.equal(isValidPosition(-33.9, 151.2), true);
  });
});

describe('GreatCircleIndex', () => {
  const random = seeded(42);
  // Morocco-sized cloud, plus points across the ±180° seam and near a pole.
  const points = [
    ...Array.from({ length: 800 }, () => ({ lat: 21 + random() * 15, lon: -17 + random() * 16 })),
    ...Array.from({ length: 100 }, () => ({ lat: -5 + random() * 10, lon: 179 - random() * 358 })),
    { lat: 89.9, lon: 10 },
    { lat: 89.9, lon: -170 },
  ];
  const index = new GreatCircleIndex(points);
  const queries = [
    ...Array.from({ length: 300 }, () => ({ lat: 20 + random() * 17, lon: -18 + random() * 18 })),
    { lat: 0, lon: 179.99 },
    { lat: 0, lon: -179.99 },
    { lat: 89.95, lon: 100 },
  ];

  it('finds the same nearest point as a scan of every point', () => {
    for (const q of queries) {
      const hit = index.nearest(q.lat, q.lon)!;
      const best = Math.min(...points.map((p) => haversineKm(q.lat, q.lon, p.lat, p.lon)));
      assert.ok(Math.abs(hit.km - best) < 1e-9, `query ${q.lat},${q.lon}: ${hit.km} vs ${best}`);
      assert.equal(hit.km, haversineKm(q.lat, q.lon, points[hit.index].lat, points[hit.index].lon));
    }
  });

  it('lists exactly the points within a radius, as a scan does', () => {
    for (const [i, q] of queries.entries()) {
      const km = [0.5, 15, 40, 250][i % 4];
      const scan = points.flatMap((p, j) => (haversineKm(q.lat, q.lon, p.lat, p.lon) <= km ? [j] : []));
      assert.deepEqual(index.within(q.lat, q.lon, km), scan);
    }
  });

  it('includes a point lying exactly on the radius', () => {
    const km = haversineKm(31, -7, 31.2, -7.1);
    assert.deepEqual(new GreatCircleIndex([{ lat: 31.2, lon: -7.1 }]).within(31, -7, km), [0]);
  });

  it('answers nothing when empty', () => {
    const empty = new GreatCircleIndex([]);
    assert.equal(empty.nearest(31, -7), undefined);
    assert.deepEqual(empty.within(31, -7, 100), []);
  });
});
