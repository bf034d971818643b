/**
 * A superseded version's content, compressed for `resource_history.packed` (write.ts): raw DEFLATE
 * with a preset dictionary of what FHIR JSON repeats — element names, common systems — so that even
 * a small resource shrinks (PostgreSQL compresses a value only past ~2 kB, and most versions are
 * smaller). The first byte names the format, so that the dictionary can change without rewriting
 * what was packed with the old one: format 1 was made for jsonb's text form (`": "`, `", "`), format
 * 2, written since contents are stored as the text written (json, schema version 11), is the same
 * dictionary without those spaces.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const FORMAT_V1 = 1;
const FORMAT_V2 = 2;

/**
 * The most frequent last (DEFLATE refers back 32 kB, nearer is cheaper): systems and names in
 * jsonb's text form (`{"a": "b", "c": [{"d": 1}]}`).
 */
const DICTIONARY_V1 = Buffer.from(
  [
    '"http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "http://terminology.hl7.org/CodeSystem/v3-ActCode"',
    '"http://terminology.hl7.org/CodeSystem/condition-clinical", "http://terminology.hl7.org/CodeSystem/condition-ver-status"',
    '"http://terminology.hl7.org/CodeSystem/practitioner-role", "http://terminology.hl7.org/CodeSystem/v2-0203"',
    '"https://sahti.ma/fhir/NamingSystem/cnie", "https://sahti.ma/fhir/NamingSystem/inpe", "https://sahti.ma/fhir/',
    '"http://hl7.org/fhir/StructureDefinition/", "urn:ietf:bcp:47", "urn:uuid:", "http://snomed.info/sct"',
    '{"use": "official", "family": "", "given": [""]}], "gender": "female", "gender": "male", "birthDate": "',
    '"telecom": [{"system": "phone", "value": "+212',
    '{"system": "email", "value": "',
    '"address": [{"city": "',
    '"language": "fr", "language": "ar", "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "',
    '"participant": [{"actor": {"reference": "Practitioner/',
    '"status": "accepted"}, {"actor": {"reference": "Patient/',
    '"start": "", "end": "", "period": {"start": "',
    '"minutesDuration": ',
    '"slot": [{"reference": "Slot/',
    '"resourceType": "Appointment", "status": "booked", "resourceType": "Encounter", "status": "finished"',
    '"extension": [{"url": "',
    '"valueString": "',
    '"valueCode": "',
    '"valueBoolean": true',
    '"valueDateTime": "',
    '"performer": [{"reference": "',
    '"issued": "',
    '"interpretation": [{"coding": [{"system": "',
    '"category": [{"coding": [{"code": "vital-signs", "system": "http://terminology.hl7.org/CodeSystem/observation-category", "display": "',
    '"valueQuantity": {"code": "", "unit": "", "value": , "system": "http://unitsofmeasure.org"}',
    '"code": {"text": "", "coding": [{"code": "", "system": "http://loinc.org", "display": "',
    '"subject": {"reference": "Patient/',
    '"encounter": {"reference": "Encounter/',
    '"effectiveDateTime": "',
    '"resourceType": "Observation", "status": "final", "resourceType": "Patient", "active": true',
    '"identifier": [{"use": "official", "type": {"coding": [{"system": "',
    '"value": "", "system": "',
    '"meta": {"versionId": "", "lastUpdated": "',
    '{"id": "',
  ].join(''),
);

/** Format 2's dictionary: format 1's in JSON.stringify's spacing, which the stored text now has. */
const DICTIONARY_V2 = Buffer.from(
  DICTIONARY_V1.toString('utf8').replaceAll('": ', '":').replaceAll(', "', ',"').replaceAll(', {', ',{'),
);

/**
 * An 8 kB window (the dictionary fits in it) and a middle level: zlib's defaults (32 kB, level 6)
 * cost 2–3 times the CPU per small content for a few bytes less (bench/history-packing.ts).
 */
const DEFLATE_V2 = { dictionary: DICTIONARY_V2, windowBits: 13, memLevel: 6, level: 4 } as const;
const DICTIONARIES: Record<number, Buffer> = { [FORMAT_V1]: DICTIONARY_V1, [FORMAT_V2]: DICTIONARY_V2 };

export function packContent(json: string): Buffer {
  return Buffer.concat([Buffer.of(FORMAT_V2), deflateRawSync(json, DEFLATE_V2)]);
}

export function unpackContent(packed: Uint8Array): string {
  const dictionary = DICTIONARIES[packed[0]];
  if (!dictionary) throw new Error(`unknown packed content format ${packed[0]}`);
  return inflateRawSync(packed.subarray(1), { dictionary, windowBits: 13 }).toString('utf8');
}
