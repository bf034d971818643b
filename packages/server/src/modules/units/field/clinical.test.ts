import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { clinicalRecordProblems, devicesNamed, referralTargets } from './clinical.ts';

const limits = { attachmentMaxBytes: 1024 };
const bundle = (...resources: Resource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource, i) => ({
    fullUrl: `urn:uuid:${i}`,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  })),
});
const ecg = (valueSampledData?: object): Resource =>
  ({
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '11524-6' }] },
    device: { reference: 'Device/ecg' },
    ...(valueSampledData ? { valueSampledData } : {}),
  }) as Resource;
const jpeg = (bytes: number) => {
  const b = Buffer.alloc(bytes, 1);
  b.set([0xff, 0xd8, 0xff]);
  return b.toString('base64');
};
const media = (data: string, contentType = 'image/jpeg'): Resource =>
  ({
    resourceType: 'Media',
    status: 'completed',
    subject: { reference: 'urn:uuid:p' },
    encounter: { reference: 'urn:uuid:e' },
    device: { reference: 'Device/cam' },
    content: { contentType, data },
  }) as Resource;

describe('field clinical records', () => {
  it('accepts an ECG strip whose samples make whole rows of its leads', () => {
    const strip = ecg({ origin: { value: 0 }, period: 2, dimensions: 2, data: '0.1 0.2 -0.3 E' });
    assert.deepEqual(clinicalRecordProblems(bundle(strip), limits), []);
    const ragged = ecg({ origin: { value: 0 }, period: 2, dimensions: 3, data: '0.1 0.2 -0.3 0.4' });
    assert.match(clinicalRecordProblems(bundle(ragged), limits)[0].message, /whole rows of 3 leads/);
    assert.match(clinicalRecordProblems(bundle(ecg()), limits)[0].field, /valueSampledData$/);
  });
  it('refuses a photo over the limit, or one that is not the image it says', () => {
    assert.deepEqual(clinicalRecordProblems(bundle(media(jpeg(1000))), limits), []);
    const [big] = clinicalRecordProblems(bundle(media(jpeg(2000))), limits);
    assert.equal(big.field, 'urn:uuid:0.content.data');
    assert.match(big.message, /at most 0\.0 MB|at most/);
    assert.match(
      clinicalRecordProblems(bundle(media(jpeg(100), 'image/png')), limits)[0].message,
      /not a image\/png/,
    );
    assert.match(
      clinicalRecordProblems(bundle(media(jpeg(100), 'image/gif')), limits)[0].field,
      /contentType$/,
    );
  });
  it('lists the devices and facilities new records name', () => {
    const referral = {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'urn:uuid:p' },
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] }],
      performer: [{ reference: 'Organization/chp' }],
    } as Resource;
    const b = bundle(ecg(), media(jpeg(10)), referral);
    assert.deepEqual(devicesNamed(b).sort(), ['Device/cam', 'Device/ecg']);
    assert.deepEqual(referralTargets(b), ['Organization/chp']);
  });
});
