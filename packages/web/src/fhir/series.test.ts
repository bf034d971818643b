import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import { trendsOf } from './series.ts';

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const weight = (date: string, value: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: loinc('29463-7'),
  effectiveDateTime: date,
  valueQuantity: { value, unit: 'kg' },
});
const bp = (date: string, sys: number, dia: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: loinc('85354-9'),
  effectiveDateTime: date,
  component: [
    { code: loinc('8462-4'), valueQuantity: { value: dia, unit: 'mm[Hg]' } },
    { code: loinc('8480-6'), valueQuantity: { value: sys, unit: 'mm[Hg]' } },
  ],
});

describe('trendsOf', () => {
  it('groups values by LOINC code, oldest point first, latest-measured trend first', () => {
    const trends = trendsOf([weight('2026-01-01', 80), bp('2025-01-01', 140, 90), weight('2025-06-01', 82)]);
    assert.deepEqual(
      trends.map((t) => t.code),
      ['29463-7', '85354-9'],
    );
    assert.deepEqual(
      trends[0].series[0].points.map((p) => p.value),
      [82, 80],
    );
  });
  it('draws blood pressure as two series, systolic first', () => {
    const [trend] = trendsOf([bp('2025-01-01', 140, 90), bp('2025-02-01', 130, 85)]);
    assert.deepEqual(
      trend.series.map((s) => s.code),
      ['8480-6', '8462-4'],
    );
    assert.equal(trend.series[0].unit, 'mm[Hg]');
  });
  it('leaves out errors, undated values and trends too short to draw', () => {
    const wrong = { ...weight('2026-01-01', 999), status: 'entered-in-error' as const };
    const undated = { ...weight('2026-01-01', 70), effectiveDateTime: undefined };
    assert.equal(trendsOf([wrong, undated]).length, 0);
    assert.equal(trendsOf([weight('2026-01-01', 80)], 2).length, 0);
  });
});
