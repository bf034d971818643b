/**
 * The summary sent ahead against the official IPS package (hl7.fhir.uv.ips 2.0.0, unpacked with
 * `npm pack`): the Bundle meets the IPS Bundle profile's fixed parts (document, identifier,
 * timestamp, Composition first, every entry a fullUrl), the Composition the IPS Composition's
 * (type 60591-5, the required section slices present, each section with the IPS example's shape —
 * title, code, generated narrative, entries of the types its slice allows, or an empty reason),
 * every reference resolves inside the Bundle, and the engine validates it as R4.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Bundle, Composition, CompositionSection } from '@medplum/fhirtypes';
import { addDialysisPatient, addPractitioner, addTestCentre } from './support/dialysis-world.ts';
import { ipsJson } from './support/ips-package.ts';
import { fhirFetch, startTestServer, type TestServer } from './support/server.ts';

interface Element {
  id: string;
  path: string;
  min: number;
  max: string;
  patternCodeableConcept?: { coding: { system: string; code: string }[] };
  fixedCode?: string;
  type?: { code: string; targetProfile?: string[] }[];
}
const elements = (file: string) => ipsJson<{ snapshot: { element: Element[] } }>(file).snapshot.element;

/** The IPS Composition's section slices: code, cardinality and the resource types entries may be. */
function sectionSlices() {
  const all = elements('StructureDefinition-Composition-uv-ips.json');
  const slices = all.filter((e) => e.path === 'Composition.section' && e.id.split(':').length === 2);
  return slices.map((slice) => {
    const code = all.find((e) => e.id === `${slice.id}.code`)?.patternCodeableConcept?.coding[0];
    const entry = all.find((e) => e.id === `${slice.id}.entry`);
    const types = (entry?.type ?? [])
      .flatMap((t) => t.targetProfile ?? [])
      .map((p) => p.split('/').pop()?.split('|')[0] ?? '');
    return { name: slice.id.split(':')[1], code: code?.code, required: slice.min >= 1, types };
  });
}

let server: TestServer;
let patient: string;

before(async () => {
  server = await startTestServer();
  const centre = await addTestCentre(server, {
    name: 'Centre (IPS)',
    city: 'Rabat',
    position: { latitude: 34, longitude: -6.8 },
  });
  const nephro = await addPractitioner(server, centre.organization, 'Ouazzani', true);
  patient = await addDialysisPatient(server, {
    name: 'Summary',
    nephrologist: nephro,
    homeCentre: centre.organization,
  });
});
after(async () => server?.close());

describe('the summary matches the official IPS structure', () => {
  let bundle: Bundle;
  let composition: Composition;

  before(async () => {
    const res = await fhirFetch(server.fhirBase, `/${patient}/$summary`);
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    bundle = res.body;
    composition = bundle.entry?.[0]?.resource as Composition;
  });

  it('the Bundle has what the IPS Bundle profile fixes', () => {
    const fixed = elements('StructureDefinition-Bundle-uv-ips.json');
    assert.equal(bundle.type, fixed.find((e) => e.id === 'Bundle.type')?.fixedCode);
    for (const id of ['Bundle.identifier', 'Bundle.timestamp']) {
      assert.equal(fixed.find((e) => e.id === id)?.min, 1);
      assert.ok(bundle[id.split('.')[1] as 'identifier' | 'timestamp'], id);
    }
    assert.equal(composition.resourceType, 'Composition');
    assert.ok(bundle.entry?.every((e) => e.fullUrl?.startsWith('urn:uuid:') && e.resource));
    assert.equal(bundle.entry?.filter((e) => e.resource?.resourceType === 'Patient').length, 1);
  });

  it('the Composition is an IPS: its type, subject, author, and the required sections', () => {
    const example = ipsJson<Bundle>('example/Bundle-bundle-ips-all-sections.json').entry?.[0]
      ?.resource as Composition;
    assert.deepEqual(composition.type.coding?.[0]?.code, example.type.coding?.[0]?.code);
    assert.equal(composition.type.coding?.[0]?.code, '60591-5');
    assert.ok(
      composition.subject?.reference && composition.author?.length && composition.title && composition.date,
    );
    const codes = (composition.section ?? []).map((s) => s.code?.coding?.[0]?.code);
    for (const slice of sectionSlices().filter((s) => s.required))
      assert.ok(codes.includes(slice.code), slice.name);
  });

  it('each section has the shape of the official example’s and entries its slice allows', () => {
    const example = ipsJson<Bundle>('example/Bundle-bundle-ips-all-sections.json').entry?.[0]
      ?.resource as Composition;
    const shape = (s: CompositionSection) =>
      ['title', 'code', 'text']
        .filter((k) => k in s)
        .concat(s.entry ? ['entry'] : s.emptyReason ? ['emptyReason'] : []);
    for (const s of example.section ?? [])
      assert.ok(shape(s).includes('entry') || shape(s).includes('emptyReason'));
    const slices = sectionSlices();
    const byUrl = new Map(bundle.entry?.map((e) => [e.fullUrl, e.resource]));
    let matched = 0;
    for (const section of composition.section ?? []) {
      assert.deepEqual(shape(section).slice(0, 3), ['title', 'code', 'text'], section.title);
      assert.equal(section.text?.status, 'generated');
      assert.match(section.text?.div ?? '', /^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml"/);
      const slice = slices.find((x) => x.code === section.code?.coding?.[0]?.code);
      if (!slice) continue; // a section of our own (haemodialysis): the slicing is open
      matched++;
      for (const ref of section.entry ?? []) {
        const target = byUrl.get(ref.reference);
        assert.ok(target, `${section.title}: ${ref.reference} is in the Bundle`);
        assert.ok(
          slice.types.includes(target?.resourceType ?? ''),
          `${slice.name} may hold ${target?.resourceType}`,
        );
      }
      if (!section.entry) assert.equal(section.emptyReason?.coding?.[0]?.code, 'unavailable');
    }
    assert.ok(matched >= 4, 'problems, allergies, medications and results at least');
  });

  it('every reference resolves inside the Bundle and the engine validates it as R4', async () => {
    const urls = new Set(bundle.entry?.map((e) => e.fullUrl));
    const walk = (n: unknown): string[] =>
      Array.isArray(n)
        ? n.flatMap(walk)
        : n && typeof n === 'object'
          ? Object.entries(n).flatMap(([k, v]) =>
              k === 'reference' && typeof v === 'string' ? [v] : walk(v),
            )
          : [];
    const refs = walk(bundle.entry?.map((e) => e.resource));
    assert.ok(refs.length > 10);
    assert.deepEqual(
      refs.filter((r) => !urls.has(r)),
      [],
    );
    const validated = await fhirFetch(server.fhirBase, '/Bundle/$validate', { method: 'POST', body: bundle });
    assert.equal(validated.status, 200, JSON.stringify(validated.body).slice(0, 500));
  });
});
