/**
 * Resource → search index rows: pure functions, one branch per search-parameter type, no I/O.
 * Values come from each official SearchParameter's own FHIRPath expression.
 */
import {
  AsAtom,
  convertToSearchableNumbers,
  convertToSearchableQuantities,
  convertToSearchableTokens,
  DotAtom,
  evalFhirPathTyped,
  FhirPathAtom,
  FunctionAtom,
  getSearchParameterDetails,
  parseFhirPath,
  SymbolAtom,
  type TypedValue,
  toTypedValue,
  UnionAtom,
} from '@medplum/core';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { compileFhirPath } from './compiled-fhirpath.ts';
import { parseRange, periodRange } from './dates.ts';
import {
  COLUMN_PARAMETERS,
  isResourceType,
  searchParameterByUrl,
  searchParametersOf,
} from './definitions.ts';
import { clip, normalizeText } from './normalize.ts';
import { narrowedParameters, referenceAliases, STRING_PARTS, tokenAliases } from './overlap.ts';
import { phoneticKey } from './phonetic.ts';
import { parseReferenceString } from './references.ts';

/**
 * The system @medplum/core gives the texts of a concept (its text, its codings' displays) among its
 * codes; they are not rows of their own: `tokenRows` writes them on the parameter's first code row.
 */
const TEXT_SYSTEM = 'urn:sahti:text';

/**
 * Separates the texts kept on one row (never inside one: `normalizeText` turns every run of
 * whitespace into one space), so a `:text` word matches at the start of any of them.
 */
export const TEXT_SEPARATOR = '\n';

export interface IndexRows {
  string: { code: string; value: string; exact: string }[];
  /** `text`: the normalised texts of the parameter's concepts, on its first row only (`tokenRows`). */
  token: { code: string; system: string | null; value: string | null; text: string | null }[];
  date: { code: string; low: string; high: string }[];
  number: { code: string; low: number | null; high: number | null }[];
  quantity: { code: string; system: string | null; unit: string | null; value: number }[];
  reference: {
    code: string;
    target_type: string | null;
    target_id: string | null;
    url: string | null;
    ident_system: string | null;
    ident_value: string | null;
  }[];
  uri: { code: string; value: string }[];
  composite: { code: string; c1_system: string | null; c1_value: string; c2: Record<string, unknown> }[];
}

export function emptyIndexRows(): IndexRows {
  return { string: [], token: [], date: [], number: [], quantity: [], reference: [], uri: [], composite: [] };
}

const expressionCache = new Map<string, ReturnType<typeof getSearchParameterDetails> | null>();

function details(type: string, sp: SearchParameter): ReturnType<typeof getSearchParameterDetails> | null {
  const key = `${type}|${sp.code}`;
  let found = expressionCache.get(key);
  if (found === undefined) {
    try {
      found = sp.expression ? getSearchParameterDetails(type, sp) : null;
    } catch {
      found = null; // an expression the FHIRPath engine cannot read is not indexed (listed in docs)
    }
    expressionCache.set(key, found);
  }
  return found;
}

const tablesCache = new Map<string, ReadonlySet<keyof IndexRows>>();

/**
 * The index tables a resource type can have rows in: those of its search parameters' types (the
 * official definitions, fixed for a release). An update need not delete a type's rows from the
 * others: nothing could have put any there.
 */
export function indexTablesOf(type: string): ReadonlySet<keyof IndexRows> {
  let tables = tablesCache.get(type);
  if (!tables) {
    const found = new Set<keyof IndexRows>();
    const all = new Set(Object.keys(emptyIndexRows()));
    for (const [code, sp] of searchParametersOf(type)) {
      if (COLUMN_PARAMETERS.has(code)) continue;
      if (sp.type && all.has(sp.type)) found.add(sp.type as keyof IndexRows);
    }
    tables = found;
    tablesCache.set(type, tables);
  }
  return tables;
}

/** What a type's resources are indexed by: each parameter with its expression parsed. */
interface IndexedParameter {
  code: string;
  sp: SearchParameter;
  details: NonNullable<ReturnType<typeof getSearchParameterDetails>>;
  /** The expression compiled (compiled-fhirpath.ts). */
  evaluate: (input: TypedValue[]) => TypedValue[];
  /**
   * Where the expression takes its values from (`Patient.address.state` → address.state): a
   * resource holding none of them is not evaluated. Undefined: always evaluated.
   */
  needs?: CheckedPath[];
}

/** Members from the resource down; `choice`: the last one is a choice element of that type (value[x] as Quantity). */
export interface ValuePath {
  members: string[];
  choice?: string;
}

/** A ValuePath as the per-resource check reads it: the choice's JSON keys worked out once. */
interface CheckedPath {
  members: string[];
  choiceKeys?: string[];
}

/** Functions that give nothing when given nothing: a path ending in them is empty when the path is. */
const EMPTY_IN_EMPTY_OUT = new Set(['where', 'ofType', 'as', 'resolve', 'first', 'last', 'extension']);

/**
 * Where an expression reads its values from, when each of its branches (`a | b`) is a path from the
 * resource — members, then functions that give nothing for nothing — so that a resource holding
 * none of them has no value for it. Undefined for anything else (`exists()`, `and`, a path from
 * `Resource`, a bare type…): such expressions are always evaluated.
 */
export function presencePaths(type: string, expression: FhirPathAtom): ValuePath[] | undefined {
  const paths: ValuePath[] = [];
  const branches: unknown[] = [expression instanceof FhirPathAtom ? expression.child : expression];
  while (branches.length > 0) {
    const branch = branches.pop();
    if (branch instanceof UnionAtom) {
      branches.push(branch.left, branch.right);
      continue;
    }
    const found = branchPath(type, branch);
    if (!found || found.members.length === 0) return undefined;
    paths.push(found.choice ? { members: found.members, choice: found.choice } : { members: found.members });
  }
  return paths;
}

/**
 * The members a branch starts with after the type, up to its first function (`open` while no
 * function has been met, `choice` when that function picks a type); undefined when the branch is
 * not such a path.
 */
function branchPath(type: string, atom: unknown): (ValuePath & { open: boolean }) | undefined {
  if (atom instanceof SymbolAtom) return atom.name === type ? { members: [], open: true } : undefined;
  if (atom instanceof AsAtom) {
    const left = branchPath(type, atom.left);
    if (!left || left.members.length === 0) return undefined;
    return { members: left.members, open: false, ...(left.open ? typeOf(atom.right) : {}) };
  }
  if (!(atom instanceof DotAtom)) return undefined;
  const left = branchPath(type, atom.left);
  if (!left) return undefined;
  if (atom.right instanceof SymbolAtom)
    return left.open ? { members: [...left.members, atom.right.name], open: true } : left;
  if (!(atom.right instanceof FunctionAtom)) return undefined;
  const { name, args } = atom.right;
  // extension(url) reads the element's `extension` list only
  if (name === 'extension' && left.open) return { members: [...left.members, 'extension'], open: false };
  if (!EMPTY_IN_EMPTY_OUT.has(name) || left.members.length === 0) return undefined;
  const picked = left.open && (name === 'ofType' || name === 'as') ? typeOf(args[0]) : {};
  return { members: left.members, open: false, ...picked };
}

const typeOf = (atom: unknown): { choice?: string } =>
  atom instanceof SymbolAtom && /^[A-Za-z]+$/.test(atom.name) ? { choice: atom.name } : {};

/** A type and the types FHIRPath may also match for it (its specialisations and profiles of it). */
const MATCHED_BY: Record<string, string[]> = {
  Quantity: ['Quantity', 'Age', 'Count', 'Distance', 'Duration', 'SimpleQuantity', 'MoneyQuantity'],
  string: ['String', 'Code', 'Id', 'Markdown'],
  uri: ['Uri', 'Url', 'Canonical', 'Oid', 'Uuid'],
  integer: ['Integer', 'PositiveInt', 'UnsignedInt'],
};

/** The JSON keys of a choice element of a type: value + Quantity → valueQuantity, valueAge… */
function choiceKeys(member: string, type: string): string[] {
  const suffixes = MATCHED_BY[type] ?? [type.charAt(0).toUpperCase() + type.slice(1)];
  return suffixes.flatMap((suffix) => [`${member}${suffix}`, `_${member}${suffix}`]);
}

/**
 * Whether a resource holds something at one of the paths (through arrays). Conservative: a
 * primitive's extension (`_birthDate`) counts as present, and so does any type of a choice element
 * (`valueString` for `value`) unless the path names the type; the expression then decides.
 */
function holdsAny(resource: Resource, paths: CheckedPath[]): boolean {
  for (const path of paths) if (holds(resource, path, 0)) return true;
  return false;
}

function checkedPaths(paths: ValuePath[] | undefined): CheckedPath[] | undefined {
  return paths?.map(({ members, choice }) =>
    choice ? { members, choiceKeys: choiceKeys(members[members.length - 1], choice) } : { members },
  );
}

function holds(node: unknown, path: CheckedPath, at: number): boolean {
  const { members } = path;
  if (at === members.length) return node !== undefined && node !== null;
  if (Array.isArray(node)) {
    for (const item of node) if (holds(item, path, at)) return true;
    return false;
  }
  if (!node || typeof node !== 'object') return false;
  const object = node as Record<string, unknown>;
  const name = members[at];
  if (object[name] !== undefined && holds(object[name], path, at + 1)) return true;
  if (object[`_${name}`] !== undefined) return true;
  if (path.choiceKeys && at === members.length - 1) {
    for (const key of path.choiceKeys) if (object[key] !== undefined) return true;
    return false;
  }
  for (const key in object) {
    if (key.length > name.length && key.startsWith(name)) {
      const next = key.charCodeAt(name.length);
      if (next >= 65 && next <= 90) return true; // value → valueQuantity: let the expression decide
    }
  }
  return false;
}

const planCache = new Map<string, IndexedParameter[]>();

/** The parameters a type's rows come from, worked out once per type (not per resource). */
function indexPlan(type: string): IndexedParameter[] {
  let plan = planCache.get(type);
  if (!plan) {
    plan = [];
    const narrowed = narrowedParameters(type);
    const aliases = referenceAliases(type);
    const contacts = tokenAliases(type);
    for (const [code, official] of searchParametersOf(type)) {
      // a parameter that is another's narrowed to one target type or one system: its base's rows
      if (COLUMN_PARAMETERS.has(code) || aliases.has(code) || contacts.has(code)) continue;
      const sp = narrowed.get(code)?.rest ?? official;
      // no expression: all its values are in the rows of the parameters it includes
      const found = sp.expression ? details(type, sp) : null;
      if (found)
        plan.push({
          code,
          sp,
          details: found,
          evaluate: compileFhirPath(found.parsedExpression),
          needs: checkedPaths(presencePaths(type, found.parsedExpression)),
        });
    }
    planCache.set(type, plan);
  }
  return plan;
}

/**
 * The index rows of a resource. A parameter whose values come from elements the resource does not
 * hold is skipped without evaluating its expression (`everyParameter`: evaluate them all anyway,
 * for the test that proves the skipping changes no row). Expressions are evaluated compiled
 * (compiled-fhirpath.ts); `interpreted` evaluates them with @medplum/core's interpreter instead,
 * for the test that proves both give the same rows.
 */
export function buildIndexRows(
  resource: Resource,
  options: { everyParameter?: boolean; interpreted?: boolean } = {},
): IndexRows {
  const rows = emptyIndexRows();
  const input = [toTypedValue(resource)];
  for (const { code, sp, details, evaluate, needs } of indexPlan(resource.resourceType)) {
    if (needs && !options.everyParameter && !holdsAny(resource, needs)) continue;
    let values: TypedValue[];
    try {
      values = options.interpreted ? evalFhirPathTyped(details.parsedExpression, input) : evaluate(input);
    } catch {
      continue;
    }
    if (sp.type === 'composite') addComposite(rows, code, sp, values, options.interpreted === true);
    else if (values.length > 0) addValues(rows, code, sp.type as string, values);
  }
  return rows;
}

export function addValues(rows: IndexRows, code: string, type: string, values: TypedValue[]): void {
  switch (type) {
    case 'string':
      if (code === 'phonetic') {
        for (const s of searchableStrings(values)) {
          for (const word of s.split(/[\s-]+/)) {
            const key = phoneticKey(word);
            if (key) rows.string.push({ code, value: clip(key), exact: clip(word) });
          }
        }
        break;
      }
      for (const s of searchableStrings(values))
        rows.string.push({ code, value: clip(normalizeText(s)), exact: clip(s) });
      break;
    case 'token':
      rows.token.push(...tokenRows(code, values));
      break;
    case 'date':
      for (const r of searchableDates(values)) rows.date.push({ code, ...r });
      break;
    case 'number':
      for (const [low, high] of convertToSearchableNumbers(values)) {
        rows.number.push({ code, low: low ?? null, high: high ?? null });
      }
      break;
    case 'quantity':
      for (const q of convertToSearchableQuantities(values)) {
        if (typeof q.value !== 'number') continue;
        rows.quantity.push({
          code,
          system: q.system ?? null,
          unit: q.code ?? q.unit ?? null,
          value: q.value,
        });
      }
      break;
    case 'reference':
      for (const v of values) addReference(rows, code, v);
      break;
    case 'uri':
      for (const v of values) if (typeof v.value === 'string') rows.uri.push({ code, value: clip(v.value) });
      break;
  }
}

function searchableStrings(values: TypedValue[]): string[] {
  const out = new Set<string>();
  const add = (s: unknown): void => {
    if (typeof s === 'string' && s.trim()) out.add(s);
  };
  for (const { type, value } of values) {
    // a name or an address by its parts (overlap.ts reads the same list: `address-city` is
    // within `address`)
    const parts = STRING_PARTS[type];
    if (!parts) add(value);
    else
      for (const part of parts) {
        const v = value[part];
        if (Array.isArray(v)) for (const each of v) add(each);
        else add(v);
      }
  }
  return [...out];
}

function searchableDates(values: TypedValue[]): { low: string; high: string }[] {
  const out: { low: string; high: string }[] = [];
  const push = (r: { low: string; high: string } | undefined): void => {
    if (r) out.push(r);
  };
  for (const { type, value } of values) {
    if (typeof value === 'string') push(parseRange(value));
    else if (type === 'Period') push(periodRange(value.start, value.end));
    else if (type === 'Timing') for (const e of value.event ?? []) push(parseRange(e));
  }
  return out;
}

function addReference(rows: IndexRows, code: string, { type, value }: TypedValue): void {
  const row = { code, target_type: null, target_id: null, url: null, ident_system: null, ident_value: null };
  if (typeof value === 'string') {
    rows.reference.push({ ...row, ...flatten(parseReferenceString(value)) });
    return;
  }
  if (type !== 'Reference' || !value) return;
  const parsed =
    typeof value.reference === 'string' ? flatten(parseReferenceString(value.reference)) : flatten({});
  if (!parsed.target_id && !parsed.url && !value.identifier) return;
  // a reference by identifier alone is typed by its `type`, as resolve() types it: Observation
  // `patient:identifier` reads `subject` rows typed Patient (overlap.ts referenceAlias)
  if (typeof value.reference !== 'string' && typeof value.type === 'string' && isResourceType(value.type))
    parsed.target_type = value.type;
  rows.reference.push({
    ...row,
    ...parsed,
    ident_system: clip(value.identifier?.system ?? null),
    ident_value: clip(value.identifier?.value ?? null),
  });
}

function flatten(p: { type?: string; id?: string; url?: string }): {
  target_type: string | null;
  target_id: string | null;
  url: string | null;
} {
  if (p.url?.startsWith('#')) return { target_type: null, target_id: null, url: null };
  return { target_type: p.type ?? null, target_id: p.id ?? null, url: clip(p.url ?? null) };
}

/**
 * One token parameter's rows: a row per code, and the texts of its concepts (`:text` reads them)
 * on the first row — a row of their own, without a code, when there is none. A `:text` search asks
 * whether any text of the resource's parameter has the word, so which row holds them is no matter;
 * kept apart, each text was a row and two index entries more (20 % of `sp_token` for Observations).
 */
function tokenRows(code: string, values: TypedValue[]): IndexRows['token'] {
  const rows: IndexRows['token'] = [];
  const texts = new Set<string>();
  for (const t of convertToSearchableTokens(values, { textSearchSystem: TEXT_SYSTEM })) {
    if (t.system !== TEXT_SYSTEM)
      rows.push({ code, system: clip(t.system ?? null), value: clip(t.value ?? null), text: null });
    else if (t.value) {
      const text = clip(normalizeText(t.value));
      if (text) texts.add(text);
    }
  }
  if (texts.size === 0) return rows;
  // sorted as the migration that merged the rows written before orders them (schema.ts v17)
  const text = [...texts].sort().join(TEXT_SEPARATOR);
  if (rows.length === 0) rows.push({ code, system: null, value: null, text });
  else rows[0].text = text;
  return rows;
}

/**
 * Composite parameters (e.g. Observation `code-value-quantity`): each element matched by the base
 * expression gives pairs of (first component as token) × (second component, stored as the JSON of
 * its index row so that any second-component type is searchable).
 */
function addComposite(
  rows: IndexRows,
  code: string,
  sp: SearchParameter,
  elements: TypedValue[],
  interpreted: boolean,
): void {
  const [first, second] = sp.component ?? [];
  if (!first?.expression || !second?.expression || (sp.component?.length ?? 0) > 2) return;
  const secondSp = searchParameterByUrl(second.definition);
  if (!secondSp) return;
  for (const element of elements) {
    // codes only: the concept's text and the codings' displays are not a component's code
    const firsts = convertToSearchableTokens(safeEval(first.expression, element, interpreted), {
      textSearchSystem: TEXT_SYSTEM,
    }).filter((t) => t.system !== TEXT_SYSTEM);
    const part = emptyIndexRows();
    addValues(part, 'c2', secondSp.type as string, safeEval(second.expression, element, interpreted));
    const seconds = [
      // a second component is matched by its codes: the texts stay out of the pair
      ...part.token.filter((t) => t.value !== null).map(({ text: _, ...t }) => t),
      ...part.quantity,
      ...part.string,
      ...part.date,
      ...part.number,
      ...part.reference,
    ];
    for (const f of firsts) {
      if (!f.value) continue;
      for (const s of seconds) {
        rows.composite.push({
          code,
          c1_system: f.system ?? null,
          c1_value: clip(f.value) as string,
          c2: s,
        });
      }
    }
  }
}

const componentExpressions = new Map<
  string,
  { parsed: FhirPathAtom; evaluate: (input: TypedValue[]) => TypedValue[] } | null
>();

/** A composite's component expression on one element, parsed and compiled once per expression. */
function safeEval(expression: string, element: TypedValue, interpreted: boolean): TypedValue[] {
  let compiled = componentExpressions.get(expression);
  if (compiled === undefined) {
    try {
      const parsed = parseFhirPath(expression);
      compiled = { parsed, evaluate: compileFhirPath(parsed) };
    } catch {
      compiled = null;
    }
    componentExpressions.set(expression, compiled);
  }
  if (!compiled) return [];
  try {
    return interpreted ? evalFhirPathTyped(compiled.parsed, [element]) : compiled.evaluate([element]);
  } catch {
    return [];
  }
}
