/**
 * fast-check arbitraries for whole malformed FHIR requests: paths, resource bodies, JSON Patches,
 * bundles and headers. A request is a plain object (raw URL text, body as a string) so that a
 * shrunk counterexample can be replayed with curl.
 */
import fc from 'fast-check';
import { NASTY, queryString, text, UNSTORABLE, urlText, words } from './fuzz-values.ts';

export interface FuzzRequest {
  method: string;
  /** Below the FHIR base, already URL-encoded (it may hold deliberately broken escapes). */
  path: string;
  /** Raw query string without the `?`. */
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}

export const METHODS = words('GET POST PUT PATCH DELETE HEAD OPTIONS');
const TYPES = words(`Patient Patient Observation Organization RiskAssessment Bundle Binary OperationOutcome
  Resource Foo patient metadata _history _search $everything $validate`);
const IDS = [...words('guard guard obs-1 missing _history _search $everything $validate $meta bad_id - ...')];
IDS.push('x%20y', '%2F', 'a'.repeat(64), 'a'.repeat(65));
const OPS = words('_history $everything $validate $meta _search 1 0 abc 999999999999999999999');
/** A path segment; "." and ".." are left out, as fetch would resolve them out of the FHIR base. */
const segment = fc
  .oneof(fc.constantFrom(...TYPES, ...IDS, ...OPS), urlText(text))
  .filter((s) => s.length > 0 && !/^(\.|%2e){1,2}$/i.test(s));
const pick = fc.constantFrom;
export const path = fc.oneof(
  pick(...TYPES).map((t) => `/${t}`),
  fc.tuple(pick(...TYPES), segment).map((p) => `/${p.join('/')}`),
  fc.tuple(pick(...TYPES), pick(...IDS), pick(...OPS)).map((p) => `/${p.join('/')}`),
  fc.tuple(pick(...IDS), pick(...OPS)).map(([id, v]) => `/Patient/${id}/_history/${v}`),
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
);

export const TEMPLATES: Record<string, Record<string, unknown>> = {
  Patient: {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:fuzz', value: '1' }],
    active: true,
    name: [{ family: 'Fuzz', given: ['Ada'] }],
    telecom: [{ system: 'phone', value: '+212600000000' }],
    gender: 'female',
    birthDate: '1990-01-01',
    address: [{ city: 'Rabat' }],
    managingOrganization: { reference: 'Organization/org-1' },
  },
  Observation: {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: 'Patient/guard' },
    effectiveDateTime: '2024-01-15T10:00:00Z',
    valueQuantity: { value: 70, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  },
};
/** Element paths to overwrite with junk (dot-separated; numbers are array indexes). */
const ELEMENTS = words(`resourceType id meta meta.versionId meta.source text text.div contained extension
  identifier identifier.0.value identifier.0.system name name.0.family name.0.given birthDate gender active
  telecom.0 managingOrganization.reference subject.reference valueQuantity.value effectiveDateTime
  code.coding.0.code status unknownElement _birthDate __proto__ constructor`).map((p) =>
  p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)),
);
const nest = (depth: number): unknown => {
  let node: unknown = { url: 'urn:x', valueString: 'leaf' };
  for (let i = 0; i < depth; i++) node = { url: 'urn:x', extension: [node] };
  return [node];
};
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: pick(...NASTY) },
  { weight: 2, arbitrary: pick(...UNSTORABLE) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 2000 }).map((n) => Array(n).fill({ family: 'x' })) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 1000 }).map(nest) },
  { weight: 1, arbitrary: pick(null, [], {}, [[]], [null], 1e308, -0, true) },
);

function setPath(target: Record<string, unknown>, keys: (string | number)[], v: unknown): void {
  let node: any = target;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = typeof key === 'number' ? [] : {};
    node = node[key];
  }
  // defineProperty, so that "__proto__" becomes an own key as JSON.parse would make it
  const last = keys[keys.length - 1];
  Object.defineProperty(node, last, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A valid Patient or Observation with one to three elements overwritten by junk. */
export const mutatedResource = fc
  .tuple(
    pick(...Object.keys(TEMPLATES)),
    fc.array(fc.tuple(pick(...ELEMENTS), junk), { minLength: 1, maxLength: 3 }),
  )
  .map(([type, mutations]) => {
    const resource = structuredClone(TEMPLATES[type]);
    for (const [keys, v] of mutations) setPath(resource, keys, v);
    return resource;
  });

export const jsonPatch = fc.array(
  fc.record(
    {
      op: pick(...words('add remove replace move copy test bogus')),
      path: pick(
        '',
        ...words('/birthDate /name/0/family /name/- /id /resourceType /meta /x /name/99 ~ /a~2b'),
      ),
      from: pick('/name/0', '/birthDate', '/nope'),
      value: junk,
    },
    { requiredKeys: ['op', 'path'] },
  ),
  { maxLength: 4 },
);

/** Request bodies as text: random JSON, truncated JSON, mutated resources, fixed oddities. */
export const bodyText = fc.oneof(
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
  {
    weight: 2,
    arbitrary: fc.tuple(mutatedResource, fc.nat()).map(([r, n]) => JSON.stringify(r).slice(0, n % 400)),
  },
  { weight: 6, arbitrary: mutatedResource.map((r) => JSON.stringify(r)) },
  {
    weight: 1,
    arbitrary: pick('', ' ', 'null', '[]', '{}', '{"resourceType":"Patient"', '\u0000', '"\\ud800"'),
  },
);

const entryUrl = fc.oneof(
  pick(
    '',
    ...words(`Patient Patient/guard Patient?identifier=urn:fuzz|1 Patient? Observation Foo /Patient
    http://elsewhere/Patient Patient/bad_id Patient/$everything Patient/guard/_history/1 Patient?_count=abc
    Patient?birthdate=2024-13-45 metadata`),
  ),
  text,
  fc.integer(),
);
const request = fc.record(
  {
    method: fc.oneof(
      pick(...words('GET POST PUT PATCH DELETE HEAD FOO post')),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    url: entryUrl,
    ifMatch: fc.oneof(pick('W/"1"', '"1"', '1', 'W/"99"', '*'), text, fc.integer()),
    ifNoneExist: fc.oneof(pick('identifier=urn:fuzz|1', '_id=guard', 'x=1', ''), text, fc.integer()),
  },
  { requiredKeys: [] },
);
const fullUrl = fc.oneof(
  pick('urn:uuid:8f1a3c52-0000-4000-8000-000000000001', 'urn:uuid:x', 'Patient/guard'),
  text,
);
const entry = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record(
      { fullUrl, resource: fc.oneof(mutatedResource, fc.constant(TEMPLATES.Patient), junk), request },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: junk },
);
/** Batch and transaction bundles (and things posing as one), as text. */
export const bundle = fc
  .record(
    {
      resourceType: pick('Bundle', 'Bundle', 'Bundle', 'Patient'),
      type: fc.oneof(pick(...words('transaction transaction batch batch collection searchset')), junk),
      entry: fc.oneof(
        { weight: 8, arbitrary: fc.array(entry, { maxLength: 5 }) },
        { weight: 1, arbitrary: junk },
      ),
    },
    { requiredKeys: ['resourceType'] },
  )
  .map((b) => JSON.stringify(b));

const headerText = fc.string({ maxLength: 40 }).map((s) => s.trim());
const CONTENT_TYPES = words(`application/fhir+json application/json application/json-patch+json text/plain
  application/xml application/x-www-form-urlencoded ; application/`);
CONTENT_TYPES.push('application/fhir+json; charset=utf-16', 'multipart/form-data; boundary=x');
const PREFER = words('return=minimal return=representation return=OperationOutcome handling=strict');
PREFER.push('handling=lenient', 'respond-async', 'return=minimal, handling=strict');
export const headers = fc.record(
  {
    'if-match': fc.oneof(
      pick('W/"1"', '"1"', '1', 'W/"2"', 'W/"99"', '*', 'W/', '"', 'W/"1", W/"2"'),
      headerText,
    ),
    'if-none-match': fc.oneof(pick('W/"1"', '*', '"1"'), headerText),
    'if-none-exist': fc.oneof(
      queryString,
      pick('identifier=urn:fuzz|1', 'Patient?_id=guard', 'x=1'),
      headerText,
    ),
    prefer: fc.oneof(pick(...PREFER), headerText),
    'content-type': fc.oneof(pick(...CONTENT_TYPES), headerText),
    accept: fc.oneof(
      pick(...words('application/fhir+json */* application/fhir+xml text/html application/*')),
      headerText,
    ),
  },
  { requiredKeys: [] },
);

/** Usually nothing (the test's valid token is sent); sometimes credentials that must get a 401. */
export const badCredentials = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        pick('Bearer garbage', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer a.b.c', 'Bearer a.b.c', ''),
        headerText,
      )
      .map((authorization) => ({ authorization })),
  },
);
