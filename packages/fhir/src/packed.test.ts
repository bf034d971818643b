import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packContent, unpackContent } from './packed.ts';

/** A patient as PostgreSQL printed a jsonb (keys by length, `": "` and `", "`): the text before schema version 11. */
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

  it('packs the text as now stored (JSON.stringify of the written resource) in format 2, to under half', () => {
    const stored = JSON.stringify(JSON.parse(PATIENT));
    const packed = packContent(stored);
    assert.equal(packed[0], 2);
    assert.equal(unpackContent(packed), stored);
    assert.ok(packed.length < stored.length / 2, `${packed.length} bytes for ${stored.length}`);
  });

  it('still unpacks what format 1 packed (superseded versions written before)', () => {
    // packed by format 1 (commit 6c4e227) from a jsonb text
    const v1 = Buffer.from(
      'AYPRBmmWSUbJJqm6hilGibomSWbJuhap5mm6iYZJRsnGKSappmlmIGOwW2CExQYjAyMzXUNDXWODEEMDK0MjK0NjPRNTsyhQEaSUlwgOZuyeR9QEboklmbmJSqDaAFFZuOYoOOYWJeZlKoGrCZSwxVFt4IqaWgA=',
      'base64',
    );
    assert.equal(
      unpackContent(v1),
      '{"id": "0f9b2c4e-1d2a-4b6c-8e7f-a1b2c3d4e5f6", "meta": {"versionId": "2", "lastUpdated": "2026-11-30T10:12:13.456Z"}, "name": [{"use": "official", "given": ["Fatima"], "family": "El Amrani"}], "active": true, "gender": "female", "resourceType": "Patient"}',
    );
  });

  it('refuses a format it does not know rather than guessing', () => {
    const packed = packContent(PATIENT);
    packed[0] = 9;
    assert.throws(() => unpackContent(packed), /unknown packed content format 9/);
  });
});
