import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ecgDocument, parseEcgSamples, prescription } from './clinical-records.ts';
import { FIELD } from './records.ts';

let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const c = { patient: 'urn:uuid:p', encounter: 'urn:uuid:e', at: '2026-11-30T09:00:00Z' };

describe('field clinical records', () => {
  it('reads an ECG export with a header, one column per lead, interleaved as SampledData', () => {
    const s = parseEcgSamples('I;II\n0.1;0.2\n\n-0.3;0.4\n0.5;0.6\n');
    assert.deepEqual(s, { leads: 2, data: '0.1 0.2 -0.3 0.4 0.5 0.6', count: 3 });
    assert.equal(parseEcgSamples('0.1 0.2\n0.3\n'), undefined, 'ragged rows');
    assert.equal(parseEcgSamples('a b\nc d\ne f\n'), undefined);
  });
  it('files a PDF as a document and the ECG derived from it, by the device', () => {
    const [doc, obs] = ecgDocument(
      c,
      'Device/ecg',
      'Practitioner/gp',
      { data: 'JVBERi0=', title: 'e.pdf' },
      uuid,
    );
    assert.equal(doc.resource.resourceType, 'DocumentReference');
    assert.deepEqual(obs.resource.derivedFrom, [{ reference: doc.fullUrl }]);
    assert.deepEqual(obs.resource.device, { reference: 'Device/ecg' });
  });
  it('writes one prescription as drafts sharing its id, each its own field record', () => {
    const item = { code: '6118000081579', display: 'ANDOL', dosage: '1 cp x3', quantity: 1, durationDays: 5 };
    const entries = prescription(c, 'Practitioner/gp', [item, { ...item, code: '6118000040439' }], uuid);
    const group = entries.map((e) => (e.resource.groupIdentifier as { value: string }).value);
    assert.equal(new Set(group).size, 1);
    assert.ok(entries.every((e) => e.resource.status === 'draft'));
    const fields = entries.map(
      (e) =>
        (e.resource.identifier as { system: string; value: string }[]).find((i) => i.system === FIELD)?.value,
    );
    assert.equal(new Set(fields).size, 2);
  });
});
