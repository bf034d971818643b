/**
 * Search parameters whose values include another parameter's of the same type, by their official
 * expressions: Observation `combo-code` is `Observation.code | Observation.component.code`, that
 * is `code` and the components' codes. Indexing both in full writes every Observation's code twice
 * (and its `:text` twice, its value quantity twice, its code-value pair twice). Instead the wider
 * parameter keeps rows for the rest of its expression only (`Observation.component.code`), and a
 * search on it reads the rows of both codes (`indexedCodes`): the same resources match, with
 * `:missing`, `:not`, `:text` and sorting alike, since the union of the two sets of rows is what a
 * full index of the wider parameter held.
 *
 * Only what the expressions' text proves: both split into the same union members for the type,
 * the narrower one's members all among the wider one's. `identifier` and `phonetic` are left alone.
 * An address is a member made of parts (`STRING_PARTS`): Patient `address` is its text, lines,
 * city, district, state, postal code and country, so `address-city`, `-state`, `-postalcode` and
 * `-country` are within it, and it keeps rows for its text, lines and district only.
 *
 * References narrow the other way (`referenceAlias`): Observation `patient` is
 * `Observation.subject.where(resolve() is Patient)`, the `subject` rows whose target is a Patient.
 * It keeps no rows of its own; whatever reads a parameter's rows (`rowCode`: its searches, chains,
 * `_has`, `_include`, sorting, the scope's addressed parameters) reads the base's rows of that
 * target type, and the compartment counts them for it (compartment.ts). Contact points narrow the
 * same way by their system (`tokenAlias`): Patient `phone` is the `telecom` rows of system `phone`.
 */
import { tryGetDataType } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { searchParameterByUrl, searchParametersOf } from './definitions.ts';
import type { SqlParams } from './search/sql-params.ts';

export interface Narrowed {
  /** The parameters whose rows also hold this one's values (searched together with it). */
  within: string[];
  /**
   * The parameter with only the rest of its expression: what its own rows are built from (stored
   * under the parameter's code; its own code differs so that no parsed-expression cache mixes them).
   */
  rest: SearchParameter;
}

const LEFT_ALONE = new Set(['reference', 'special']);
const REST_SUFFIX = ':rest';
/** `identifier` is read by its code (unique.ts); `phonetic` rows are keys, not the names' values. */
const OWN_ROWS = new Set(['identifier', 'phonetic']);

/** The members of a top-level `|` union (outside parentheses and quotes), trimmed. */
export function unionMembers(expression: string): string[] {
  const members: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      members.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  members.push(expression.slice(start).trim());
  return members;
}

/**
 * The parts of a complex value a string parameter is found by (index-rows.ts searchableStrings
 * indexes these and nothing else of them): a name by its text, family, given names, prefixes and
 * suffixes; an address by its text, lines, city, district, state, postal code and country.
 */
export const STRING_PARTS: Readonly<Record<string, readonly string[]>> = {
  HumanName: ['text', 'family', 'given', 'prefix', 'suffix'],
  Address: ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country'],
};

/**
 * The complex types a wider parameter is split by (below). Not names: a name prefix search is the
 * busiest search of all, and read under three codes (`name`'s own rest, `family`, `given`) it is
 * three index scans in one statement, which PostgreSQL plans at every search — measured at 11–19 %
 * more CPU a search for 1.5–3 % of the storage (docs/performance.md, *An address keeps rows only for
 * the parts no other parameter holds*). An address search is rarer.
 */
const SPLIT_TYPES = new Set(['Address']);

/** `Type.element`, one step from the resource. */
const ONE_STEP = /^([A-Z][A-Za-z]+)\.([a-z][A-Za-z]*)$/;

/**
 * A string parameter's member that is one element of an address type, as the paths of the parts it
 * is found by: Patient `address` (`Patient.address`) is `Patient.address.text | Patient.address.line
 * | Patient.address.city | …` — so that `address-city` and the others are seen to be within it.
 * Other members as they are.
 */
function stringParts(member: string): string[] {
  const step = ONE_STEP.exec(member);
  const types = step ? tryGetDataType(step[1])?.elements[step[2]]?.type : undefined;
  const parts =
    types?.length === 1 && SPLIT_TYPES.has(types[0].code) ? STRING_PARTS[types[0].code] : undefined;
  return parts ? parts.map((part) => `${member}.${part}`) : [member];
}

/** The members that speak of `type` (the expression of a parameter shared by several types lists them all). */
function membersFor(type: string, sp: SearchParameter): string[] | undefined {
  if (!sp.expression) return undefined;
  const members = unionMembers(sp.expression).filter((m) => {
    const root = m.replace(/^\(+/, '');
    return root === type || root.startsWith(`${type}.`) || root.startsWith(`${type} `);
  });
  if (members.length === 0) return undefined;
  return sp.type === 'string' ? members.flatMap(stringParts) : members;
}

/** Composites compare their components too: same count, same expressions, same types. */
function sameComponents(a: SearchParameter, b: SearchParameter): boolean {
  const ca = a.component ?? [];
  const cb = b.component ?? [];
  if (ca.length !== cb.length) return false;
  return ca.every((x, i) => {
    const y = cb[i];
    if (!y || x.expression !== y.expression) return false;
    const tx = searchParameterByUrl(x.definition)?.type;
    return tx !== undefined && tx === searchParameterByUrl(y.definition)?.type;
  });
}

const cache = new Map<string, Map<string, Narrowed>>();

/** The type's narrowed parameters, by code. */
export function narrowedParameters(type: string): Map<string, Narrowed> {
  let found = cache.get(type);
  if (found) return found;
  found = new Map();
  const params = [...searchParametersOf(type)].filter(
    ([code, sp]) => !OWN_ROWS.has(code) && sp.type !== undefined && !LEFT_ALONE.has(sp.type),
  );
  const members = new Map(params.map(([code, sp]) => [code, membersFor(type, sp)]));
  for (const [code, sp] of params) {
    const wide = members.get(code);
    if (!wide) continue;
    const within: string[] = [];
    const covered = new Set<string>();
    for (const [other, otherSp] of params) {
      const narrow = members.get(other);
      if (other === code || !narrow || otherSp.type !== sp.type) continue;
      if (narrow.length >= wide.length || !narrow.every((m) => wide.includes(m))) continue;
      if (sp.type === 'composite' && !sameComponents(sp, otherSp)) continue;
      // a parameter that is itself narrowed holds only part of its values: not a base
      if (narrow.some((m) => covered.has(m))) continue;
      within.push(other);
      for (const m of narrow) covered.add(m);
    }
    if (within.length === 0) continue;
    const rest = wide.filter((m) => !covered.has(m));
    // a code of its own: @medplum/core keeps parsed expressions by type and code
    found.set(code, { within, rest: { ...sp, code: `${code}${REST_SUFFIX}`, expression: rest.join(' | ') } });
  }
  // a base must keep its full rows: drop any narrowing that rests on a narrowed parameter
  for (const [code, n] of found) if (n.within.some((w) => found?.has(w))) found.delete(code);
  cache.set(type, found);
  return found;
}

/** The codes whose index rows, together, hold a parameter's values: itself, and what it rests on. */
export function indexedCodes(type: string, code: string): string[] {
  const narrowed = narrowedParameters(type).get(code);
  return narrowed ? [code, ...narrowed.within] : [code];
}

/** A reference parameter that is another's restricted to one target type. */
export interface ReferenceAlias {
  /** The parameter whose rows hold this one's: `subject` for Observation `patient`. */
  base: string;
  /** The target type its rows must have: `Patient`. */
  targetType: string;
}

/** `X.where(resolve() is T)`, parenthesised or not. */
const WHERE_RESOLVE_IS = /^\(?(.+?)\.where\(resolve\(\) is ([A-Z][A-Za-z]+)\)\)?$/;

const aliasCache = new Map<string, Map<string, ReferenceAlias>>();

/**
 * The type's reference parameters whose one expression is `X.where(resolve() is T)` where `X` is
 * the one expression of another reference parameter of the type (47 in R4, 36 of them `patient`
 * as `subject` narrowed to Patient). The base's rows hold the same references typed as the
 * expression types them — by the reference's `Type/id` (relative or absolute), or by its `type`
 * when it has only an identifier (index-rows.ts addReference) — with two differences, both towards
 * the base's own meaning: another server's absolute URL to `…/Patient/1` counts as `Patient/1`, as it
 * does for `subject` (the expression typed it by its scheme), and a conditional reference left in a
 * stored resource (`Patient?identifier=…`) no longer counts.
 */
export function referenceAliases(type: string): Map<string, ReferenceAlias> {
  let found = aliasCache.get(type);
  if (found) return found;
  found = new Map();
  const params = [...searchParametersOf(type)].filter(([, sp]) => sp.type === 'reference');
  const single = new Map<string, string>();
  for (const [code, sp] of params) {
    const members = membersFor(type, sp);
    if (members?.length === 1) single.set(code, members[0]);
  }
  for (const [code, member] of single) {
    const match = WHERE_RESOLVE_IS.exec(member);
    if (!match) continue;
    const base = [...single].find(([other, m]) => other !== code && m === match[1])?.[0];
    if (base && !WHERE_RESOLVE_IS.test(single.get(base) as string))
      found.set(code, { base, targetType: match[2] });
  }
  aliasCache.set(type, found);
  return found;
}

export function referenceAlias(type: string, code: string): ReferenceAlias | undefined {
  return referenceAliases(type).get(code);
}

/** A token parameter that is another's contact points of one system. */
export interface TokenAlias {
  /** The parameter whose rows hold this one's: `telecom` for Patient `phone`. */
  base: string;
  /** The system its rows must have: `phone`. */
  system: string;
}

/** `X.where(system='s')`, parenthesised or not. */
const WHERE_SYSTEM_IS = /^\(?(.+?)\.where\(system\s*=\s*'([a-z-]+)'\)\)?$/;

const tokenAliasCache = new Map<string, Map<string, TokenAlias>>();

/**
 * The type's token parameters whose one expression is `X.where(system='s')` where `X` is the one
 * expression of another token parameter of the type and an element of contact points: Patient
 * `phone` is `Patient.telecom.where(system='phone')`, `telecom` is `Patient.telecom` (`phone` and
 * `email` of Patient, Person, Practitioner, PractitionerRole, RelatedPerson and
 * OrganizationAffiliation). A contact point's
 * token is its system and its value (@medplum/core), so the base's rows of that system are exactly
 * the alias's: it keeps none of its own. Contact points only: a coding's or an identifier's token
 * carries texts on its parameter's first row (index-rows.ts tokenRows), which a system would filter.
 */
export function tokenAliases(type: string): Map<string, TokenAlias> {
  let found = tokenAliasCache.get(type);
  if (found) return found;
  found = new Map();
  const narrowed = narrowedParameters(type);
  const single = new Map<string, string>();
  for (const [code, sp] of searchParametersOf(type)) {
    const members = sp.type === 'token' ? membersFor(type, sp) : undefined;
    if (members?.length === 1) single.set(code, members[0]);
  }
  const heldByOthers = new Set([...narrowed.values()].flatMap((n) => n.within));
  for (const [code, member] of single) {
    const match = WHERE_SYSTEM_IS.exec(member);
    if (!match || narrowed.has(code) || heldByOthers.has(code)) continue;
    const base = [...single].find(([other, m]) => other !== code && m === match[1])?.[0];
    if (!base || narrowed.has(base) || !isContactPoints(match[1])) continue;
    found.set(code, { base, system: match[2] });
  }
  tokenAliasCache.set(type, found);
  return found;
}

export function tokenAlias(type: string, code: string): TokenAlias | undefined {
  return tokenAliases(type).get(code);
}

/** Whether `Type.element` is an element of contact points. */
function isContactPoints(member: string): boolean {
  const step = ONE_STEP.exec(member);
  const types = step ? tryGetDataType(step[1])?.elements[step[2]]?.type : undefined;
  return types?.length === 1 && types[0].code === 'ContactPoint';
}

/**
 * SQL: a row (aliased `a`) of the index table of `type`'s parameter `code` — its own code, the codes
 * whose rows hold its values with it (`indexedCodes`), or its base's code and target type or system.
 */
export function rowCode(a: string, type: string, code: string, p: SqlParams): string {
  const alias = referenceAlias(type, code);
  if (alias)
    return `(${a}.code = ${p.add(alias.base, 'text')} AND ${a}.target_type = ${p.add(alias.targetType, 'text')})`;
  const contact = tokenAlias(type, code);
  if (contact)
    return `(${a}.code = ${p.add(contact.base, 'text')} AND ${a}.system = ${p.add(contact.system, 'text')})`;
  const codes = indexedCodes(type, code);
  if (codes.length === 1) return `${a}.code = ${p.add(code, 'text')}`;
  return `${a}.code IN (${codes.map((c) => p.add(c, 'text')).join(', ')})`;
}
