/**
 * A deterministic sample of the official HL7 R4 examples (scripts/hl7-examples.ts fetches them):
 * every example of the clinical, administrative, financial and workflow resource types, plus an
 * evenly spaced sample of the (very numerous, large) conformance and terminology resources.
 * Bundles are left out (they are containers, not resources to store), as is anything that is not
 * a resource (package.json).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hl7Examples } from '../../scripts/hl7-examples.ts';
import type { SearchParamInfo } from './example-search.ts';

export interface Example {
  file: string;
  resource: { resourceType: string; id: string; meta?: Record<string, unknown> } & Record<string, unknown>;
}

/** Types with hundreds of examples each; they are sampled rather than taken whole. */
const SAMPLED_TYPES = new Set([
  'CapabilityStatement',
  'CodeSystem',
  'CompartmentDefinition',
  'ConceptMap',
  'ImplementationGuide',
  'NamingSystem',
  'OperationDefinition',
  'SearchParameter',
  'StructureDefinition',
  'StructureMap',
  'ValueSet',
]);
const PER_SAMPLED_TYPE = 6;
const MAX_SAMPLED_BYTES = 200_000;
// AuditEvent: the audit trail is written by the server only (a client's write gets 405)
const EXCLUDED_TYPES = new Set(['Bundle', 'AuditEvent']);

export async function loadExamples(): Promise<Example[]> {
  const dir = await hl7Examples();
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json') && f !== 'package.json').sort();
  const byType = new Map<string, string[]>();
  for (const file of files) {
    const type = file.split('-')[0];
    if (EXCLUDED_TYPES.has(type)) continue;
    byType.set(type, [...(byType.get(type) ?? []), file]);
  }
  const chosen: string[] = [];
  for (const [type, list] of byType) {
    if (!SAMPLED_TYPES.has(type)) {
      chosen.push(...list);
      continue;
    }
    const small: string[] = [];
    for (const file of list) if ((await stat(join(dir, file))).size <= MAX_SAMPLED_BYTES) small.push(file);
    // evenly spaced over the sorted list, so the sample is the same on every run
    const picks = new Set<number>();
    const n = Math.min(PER_SAMPLED_TYPE, small.length);
    for (let k = 0; k < n; k++) picks.add(Math.floor((k * small.length) / n));
    for (const i of picks) chosen.push(small[i]);
  }
  const examples: Example[] = [];
  for (const file of chosen) {
    const resource = JSON.parse(await readFile(join(dir, file), 'utf8'));
    if (typeof resource?.resourceType !== 'string' || EXCLUDED_TYPES.has(resource.resourceType)) continue;
    examples.push({ file, resource });
  }
  return examples;
}

/**
 * Each type's search parameters as the server's CapabilityStatement announces them, with the
 * FHIRPath expression of the official definition (the SearchParameter resources of the examples
 * package, i.e. the R4 specification itself).
 */
export async function searchParamsByType(capability: any): Promise<Map<string, SearchParamInfo[]>> {
  const dir = await hl7Examples();
  const expressions = new Map<string, string>();
  for (const file of await readdir(dir)) {
    if (!file.startsWith('SearchParameter-')) continue;
    const sp = JSON.parse(await readFile(join(dir, file), 'utf8'));
    if (sp.url && sp.expression) expressions.set(sp.url, sp.expression);
  }
  const out = new Map<string, SearchParamInfo[]>();
  for (const r of capability.rest?.[0]?.resource ?? []) {
    const params: SearchParamInfo[] = [];
    for (const p of r.searchParam ?? []) {
      const expression = expressions.get(p.definition);
      if (expression) params.push({ name: p.name, type: p.type, expression });
    }
    out.set(r.type, params);
  }
  return out;
}

/** A copy without meta.versionId and meta.lastUpdated (which the server sets), and no empty meta. */
export function withoutServerMeta<T extends { meta?: Record<string, unknown> }>(resource: T): T {
  const { meta, ...rest } = resource;
  if (!meta) return rest as T;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta;
  return (Object.keys(kept).length > 0 ? { ...rest, meta: kept } : rest) as T;
}

/** Why a write was refused: the first issues, as `path: message`, one line. */
export function issueSummary(body: any, max = 2): string {
  const issues = (body?.issue ?? []) as any[];
  const text = issues
    .slice(0, max)
    .map((i) => `${i.expression?.[0] ?? '?'}: ${i.diagnostics ?? i.details?.text ?? i.code}`)
    .join('; ');
  return issues.length > max ? `${text}; (+${issues.length - max} more)` : text;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
