import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readQuality, type StatsSample, shouldSuggestAudio } from './quality.ts';

const sample = (over: Partial<StatsSample>): StatsSample => ({
  at: 0,
  packetsReceived: 0,
  packetsLost: 0,
  bytesReceived: 0,
  framesDecoded: 0,
  relayed: false,
  connectionState: 'connected',
  ...over,
});

test('quality is read from the change between two samples', () => {
  const a = sample({ at: 0, packetsReceived: 1000, bytesReceived: 1_000_000, rtt: 0.05 });
  const good = readQuality(
    a,
    sample({ at: 2000, packetsReceived: 1200, bytesReceived: 1_125_000, rtt: 0.05 }),
  );
  assert.deepEqual(good, { quality: 'good', rttMs: 50, lossPercent: 0, kbps: 500 });
  const lossy = readQuality(a, sample({ at: 2000, packetsReceived: 1180, packetsLost: 20, rtt: 0.1 }));
  assert.equal(lossy.quality, 'fair');
  assert.equal(lossy.lossPercent, 10);
  assert.equal(readQuality(a, sample({ at: 2000, packetsReceived: 1100, rtt: 1.5 })).quality, 'poor');
  assert.equal(
    readQuality(a, sample({ at: 2000, packetsReceived: 1000 })).quality,
    'poor',
    'nothing arrives',
  );
  assert.equal(readQuality(a, sample({ connectionState: 'disconnected' })).quality, 'none');
});

test('audio only is suggested after three poor readings in a row, not one', () => {
  assert.equal(shouldSuggestAudio(['good', 'poor', 'poor']), false);
  assert.equal(shouldSuggestAudio(['poor', 'poor', 'poor']), true);
  assert.equal(shouldSuggestAudio(['poor', 'poor']), false);
});
