/** Shaping resources for output: `_summary` and `_elements` (marked SUBSETTED as R4 requires). */
import type { Resource } from '@medplum/fhirtypes';
import { summaryElementsOf } from './definitions.ts';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

export function shapeResource(resource: Resource, summary?: string, elements?: string[]): Resource {
  if (elements && elements.length > 0) {
    const keep = new Set(
      elements.map((e) => e.split('.').pop() as string).map((e) => e.replace(/^[A-Z][A-Za-z]+\./, '')),
    );
    return subset(resource, (key) => keep.has(key) || isChoiceOf(key, keep));
  }
  switch (summary) {
    case 'true': {
      const keep = summaryElementsOf(resource.resourceType);
      return subset(resource, (key) => keep.has(key) || isChoiceOf(key, keep));
    }
    case 'text':
      return subset(resource, (key) => key === 'text');
    case 'data': {
      const { text: _text, ...rest } = resource as Resource & { text?: unknown };
      return markSubsetted(rest as Resource);
    }
    default:
      return resource;
  }
}

/** `value` in the keep-list keeps `valueQuantity`, `valueString`… (choice elements). */
function isChoiceOf(key: string, keep: Set<string>): boolean {
  for (const k of keep) if (key.startsWith(k) && /^[A-Z]/.test(key.slice(k.length))) return true;
  return false;
}

function subset(resource: Resource, keep: (key: string) => boolean): Resource {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) if (ALWAYS.has(key) || keep(key)) out[key] = value;
  return markSubsetted(out as unknown as Resource);
}

function markSubsetted(resource: Resource): Resource {
  const tags = resource.meta?.tag ?? [];
  return { ...resource, meta: { ...resource.meta, tag: [...tags, SUBSETTED] } } as Resource;
}
