/** The tables of bad inputs that tests/bad-input.test.ts sends; each must be refused with a 4xx. */

/** Bodies that are not JSON at all. */
export const MALFORMED_JSON = [
  '{',
  '{"resourceType":"Patient",}',
  "{'resourceType':'Patient'}",
  '{"a":1}x',
  'undefined',
];

/** JSON that is not an object. */
export const NOT_OBJECTS = ['[]', '[{"resourceType":"Patient"}]', '"Patient"', '42', 'true', 'null', ''];

/** An invalid element and the path the OperationOutcome must name. */
export const INVALID_ELEMENTS: [Record<string, unknown>, string][] = [
  [{ birthDate: 'yesterday' }, 'Patient.birthDate'],
  [{ favouriteColour: 'blue' }, 'Patient.favouriteColour'],
  [{ active: 'yes' }, 'Patient.active'],
  [{ name: [{ family: 42 }] }, 'Patient.name[0].family'],
  [{ telecom: { system: 'phone' } }, 'Patient.telecom'],
];

/** Ids outside [A-Za-z0-9-.]{1,64}, as they appear in the URL. */
export const BAD_IDS = ['bad_id', "x'--", 'a%20b', 'a*b', 'é', 'a'.repeat(65)];

/** Content types the server does not read. */
export const UNSUPPORTED_MEDIA_TYPES = [
  'text/plain',
  'application/xml',
  'application/fhir+xml',
  'multipart/form-data',
];

/** SQL in search values: taken as data, so it matches nothing. */
export const SQL_IN_VALUES = [
  "name=' OR 1=1 --",
  "_id=1'--",
  "family=x'); DROP TABLE resource; --",
  'identifier=%27%3B--|1',
  'name:exact=%27%20OR%20%271%27%3D%271',
];

/** Patient searches that must be refused with 400. */
export const BAD_PATIENT_QUERIES = [
  'birthdate=ge2024-13-45',
  'birthdate=2024-02-30',
  'birthdate=yesterday',
  'birthdate=2024-01-01T25:00:00Z',
  '_lastUpdated=gt2024-1-1',
  'name:missing=perhaps',
  'name:sounds-like=x',
  'gender=',
  '_sort=name;DROP TABLE resource',
  '_sort=name%20DESC--',
  '_summary=everything',
  '_total=all',
  '_include=Patient:nope',
  '_include:recurse=Nope:link',
];

/** Other searches that must be refused with 400. */
export const BAD_OTHER_QUERIES = [
  '/RiskAssessment?probability=abc',
  '/RiskAssessment?probability=sa1',
  '/Observation?value-quantity=abc|http://unitsofmeasure.org|kg',
  '/Observation?value-quantity=1e999999',
  '/Observation?value-quantity=gt-1e400|http://unitsofmeasure.org|kg',
  '/RiskAssessment?probability=1e999999',
  '/Observation?subject.organization.name=x',
  '/Observation?subject:Patient.organization.name=x',
  '/Observation?code.name=x',
  '/Patient?_has:Observation:subject=x',
  '/Patient?_has:Nope:subject:code=x',
];

export const forgedCursor = (value: unknown): string =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** Bundle entries whose fields have the wrong JSON type. */
export const MALFORMED_ENTRIES: unknown[] = [
  null,
  42,
  { request: { method: 'GET', url: 5 } },
  { request: { method: 5, url: 'Patient' } },
  { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient', ifNoneExist: 5 } },
];

/** Raw JSON bodies holding characters PostgreSQL's jsonb cannot store: NUL and lone surrogates. */
export const UNSTORABLE_STRINGS = [
  '{"resourceType":"Patient","name":[{"family":"a\\ud800b"}]}',
  '{"resourceType":"Patient","identifier":[{"system":"urn:x","value":"\\udc00"}]}',
  '{"resourceType":"Patient","gender":"\\u0000"}',
  '{"resourceType":"Patient","identifier":[{"system":"urn:\\u0000","value":"1"}]}',
  '{"resourceType":"Patient","meta":{"source":"\\u0000"}}',
  '{"resourceType":"Patient","text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">\\u0000</div>"}}',
];
