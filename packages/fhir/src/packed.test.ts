import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packContent, unpackContent } from './packed.ts';

/** A patient as PostgreSQL prints a jsonb (keys by length, `": "` and `", "`). */
const PATIENT =
  '{"id": "0f9b2c4e-1d2a-4b6c-8e7f-a1b2c3d4e5f6", "meta": {"versionId": "2", "lastUpdated": "2026-11-30T10:12:13.456Z"}, "name": [{"use": "official", "given": ["Fatima"], "family": "El Amrani"}], "active": true, "gender": "female", "address": [{"city": "Casablanca"}], "telecom": [{"value": "+212600000000", "system": "phone"}], "birthDate": "1980-02-03", "identifier": [{"value": "BK123456", "system": "https://sahti.ma/fhir/NamingSystem/cnie"}], "resourceType": "Patient"}';

describe('packed history contents', () => {
  it('gives back exactly what was packed, Arabic and accents included', () => {
    for (const text of [
      PATIENT,
      '{"name": [{"text": "فاطمة العمراني"}], "note": "Fréquence élevée"}',
      '{}',
    ]) {
      assert.equal(unpackContent(packContent(text)), text);
    }
  });

  it('packs a small resource to well under half of its text', () => {
    const packed = packContent(PATIENT);
    assert.ok(packed.length < PATIENT.length / 2, `${packed.length} bytes for ${PATIENT.length}`);
  });

  it('refuses a format it does not know rather than guessing', () => {
    const packed = packContent(PATIENT);
    packed[0] = 9;
    assert.throws(() => unpackContent(packed), /unknown packed content format 9/);
  });
});
