/**
 * Search values derived from a resource itself, for round-trip tests: for each official search
 * parameter whose FHIRPath expression is a plain path (`Patient.name`, `Observation.value as
 * Quantity`, `Encounter.subject.where(resolve() is Patient)`, `Patient.telecom.where(system='phone')`),
 * walk the resource along that path and turn the first value found into a search value that the
 * R4 search rules say must match it. Written independently of the engine's own indexing on purpose:
 * any disagreement is a question for the engine. Expressions outside this small subset are skipped.
 */

export interface SearchParamInfo {
  name: string;
  type: string;
  /** The official FHIRPath expression (all resource types it covers, joined by `|`). */
  expression: string;
}

export interface DerivedSearch {
  /** The query key: the parameter, with a modifier when one is needed (`subject:identifier`). */
  key: string;
  type: string;
  value: string;
  /** A value that must NOT match (only for token and string searches). */
  miss?: string;
}

interface Node {
  value: unknown;
  /** The FHIR type, when the JSON key names it (choice elements: `valueQuantity` → Quantity). */
  type?: string;
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'as'; type: string }
  | { kind: 'resolveIs'; type: string }
  | { kind: 'whereEq'; key: string; value: string };

const CONTACT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);
const RELATIVE_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Splits on `sep` outside parentheses and quotes. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    if (!quoted && depth === 0 && text.startsWith(sep, i)) {
      out.push(current);
      current = '';
      i += sep.length - 1;
    } else current += c;
  }
  out.push(current);
  return out.map((s) => s.trim());
}

/** The steps of one `|`-separated part of an expression, for this resource type; undefined if unsupported. */
export function parsePath(part: string, resourceType: string): Step[] | undefined {
  let text = part.trim();
  let trailingAs: string | undefined;
  const wrapped = /^\((.*) as (\w+)\)$/.exec(text) ?? /^([^()]*) as (\w+)$/.exec(text);
  if (wrapped) [, text, trailingAs] = wrapped;
  const segments = splitTop(text, '.');
  const head = segments.shift();
  if (head !== resourceType && head !== 'Resource' && head !== 'DomainResource') return undefined;
  const steps: Step[] = [];
  for (const segment of segments) {
    const step = parseStep(segment);
    if (!step) return undefined;
    steps.push(step);
  }
  if (trailingAs) steps.push({ kind: 'as', type: trailingAs });
  return steps.length > 0 ? steps : undefined;
}

function parseStep(segment: string): Step | undefined {
  if (/^[a-zA-Z]+$/.test(segment)) return { kind: 'field', name: segment };
  const as = /^(?:as|ofType)\((\w+)\)$/.exec(segment);
  if (as) return { kind: 'as', type: as[1] };
  const resolveIs = /^where\(resolve\(\) is (\w+)\)$/.exec(segment);
  if (resolveIs) return { kind: 'resolveIs', type: resolveIs[1] };
  const whereEq = /^where\((\w+) ?= ?'([^']*)'\)$/.exec(segment);
  if (whereEq) return { kind: 'whereEq', key: whereEq[1], value: whereEq[2] };
  return undefined;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export function walk(resource: object, steps: Step[]): Node[] {
  let nodes: Node[] = [{ value: resource }];
  for (const step of steps) {
    const next: Node[] = [];
    for (const node of nodes) {
      const obj = node.value as Record<string, unknown>;
      switch (step.kind) {
        case 'field': {
          if (!obj || typeof obj !== 'object') break;
          if (step.name in obj) {
            for (const v of asArray(obj[step.name])) next.push({ value: v });
            break;
          }
          // a choice element: `effective` is stored as `effectiveDateTime`, `effectivePeriod`…
          for (const key of Object.keys(obj)) {
            const suffix = key.slice(step.name.length);
            if (key.startsWith(step.name) && /^[A-Z]/.test(suffix))
              for (const v of asArray(obj[key])) next.push({ value: v, type: suffix });
          }
          break;
        }
        case 'as':
          if (node.type?.toLowerCase() === step.type.toLowerCase()) next.push(node);
          break;
        case 'resolveIs': {
          const ref = (obj as { reference?: unknown })?.reference;
          if (typeof ref === 'string' && RELATIVE_REFERENCE.exec(ref)?.[1] === step.type) next.push(node);
          break;
        }
        case 'whereEq':
          if (obj && typeof obj === 'object' && obj[step.key] === step.value) next.push(node);
          break;
      }
    }
    nodes = next;
  }
  return nodes;
}

/** FHIR search escaping of a value part (`,` separates alternatives, `$` composite parts). */
export const escapeSearch = (s: string): string => s.replace(/[\\,$]/g, (c) => `\\${c}`);

const isObject = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

function tokenValue(node: Node): string | undefined {
  const v = node.value;
  if (nonEmpty(v)) return escapeSearch(v);
  if (typeof v === 'boolean') return String(v);
  if (!isObject(v)) return undefined;
  if (Array.isArray(v.coding)) {
    const coding = v.coding.find((c: any) => nonEmpty(c?.code));
    return coding ? tokenValue({ value: coding }) : undefined;
  }
  if (nonEmpty(v.code) && typeof v.value !== 'number')
    return nonEmpty(v.system) ? `${escapeSearch(v.system)}|${escapeSearch(v.code)}` : escapeSearch(v.code);
  if (nonEmpty(v.value)) {
    // Identifier: system|value; ContactPoint: its value (its system is a kind, not a namespace)
    if (nonEmpty(v.system) && !CONTACT_SYSTEMS.has(v.system))
      return `${escapeSearch(v.system)}|${escapeSearch(v.value)}`;
    return escapeSearch(v.value);
  }
  return undefined;
}

/** A prefix of a string, whole code points, without a trailing partial word. */
function prefixOf(s: string, max = 40): string {
  const chars = Array.from(s.trim());
  if (chars.length <= max) return s.trim();
  return (
    chars
      .slice(0, max)
      .join('')
      .replace(/\s+\S*$/, '') || chars.slice(0, max).join('')
  );
}

function stringValue(node: Node): string | undefined {
  const v = node.value;
  if (nonEmpty(v)) return escapeSearch(prefixOf(v));
  if (!isObject(v)) return undefined;
  const candidates =
    'family' in v || 'given' in v || 'prefix' in v
      ? [v.family, v.given?.[0], v.text, v.prefix?.[0], v.suffix?.[0]]
      : 'line' in v || 'city' in v || 'country' in v || 'postalCode' in v || 'state' in v
        ? [v.city, v.line?.[0], v.state, v.postalCode, v.country, v.district, v.text]
        : [];
  const found = candidates.find(nonEmpty);
  return found ? escapeSearch(prefixOf(found)) : undefined;
}

function dateValue(node: Node): string | undefined {
  const v = node.value;
  if (typeof v === 'string') return /^\d{4}(-\d\d(-\d\d)?)?(T.*)?$/.test(v) ? v : undefined;
  if (!isObject(v)) return undefined;
  if (nonEmpty(v.start)) return `ge${v.start}`; // a Period reaching past its start
  if (nonEmpty(v.end)) return `le${v.end}`;
  if (Array.isArray(v.event) && nonEmpty(v.event[0])) return v.event[0]; // Timing
  return undefined;
}

function referenceSearch(code: string, node: Node): { key: string; value: string } | undefined {
  const v = node.value;
  // a canonical or uri: only an absolute one names something a search can match (`#x` is contained)
  if (nonEmpty(v)) return /^[a-z][a-z0-9+.-]*:/i.test(v) ? { key: code, value: escapeSearch(v) } : undefined;
  if (!isObject(v)) return undefined;
  if (nonEmpty(v.reference)) {
    if (v.reference.startsWith('#')) return undefined; // contained: not searchable
    const rel = RELATIVE_REFERENCE.exec(v.reference);
    return { key: code, value: rel ? `${rel[1]}/${rel[2]}` : escapeSearch(v.reference) };
  }
  if (isObject(v.identifier) && nonEmpty(v.identifier.value)) {
    const { system, value } = v.identifier;
    return {
      key: `${code}:identifier`,
      value: nonEmpty(system) ? `${escapeSearch(system)}|${escapeSearch(value)}` : escapeSearch(value),
    };
  }
  return undefined;
}

function quantityValue(node: Node): string | undefined {
  const v = node.value;
  if (!isObject(v) || typeof v.value !== 'number') return undefined;
  if (nonEmpty(v.system) && nonEmpty(v.code))
    return `${v.value}|${escapeSearch(v.system)}|${escapeSearch(v.code)}`;
  return String(v.value);
}

function derive(param: SearchParamInfo, node: Node): DerivedSearch | undefined {
  const { name, type } = param;
  switch (type) {
    case 'token': {
      const value = tokenValue(node);
      return value ? { key: name, type, value, miss: `${value}zq9x` } : undefined;
    }
    case 'string': {
      const value = stringValue(node);
      return value ? { key: name, type, value, miss: `${value}zq9x` } : undefined;
    }
    case 'date': {
      const value = dateValue(node);
      return value ? { key: name, type, value } : undefined;
    }
    case 'reference': {
      const found = referenceSearch(name, node);
      return found ? { ...found, type } : undefined;
    }
    case 'quantity': {
      const value = quantityValue(node);
      return value ? { key: name, type, value } : undefined;
    }
    case 'number':
      return typeof node.value === 'number' ? { key: name, type, value: String(node.value) } : undefined;
    case 'uri':
      return nonEmpty(node.value) ? { key: name, type, value: node.value } : undefined;
    default:
      return undefined; // composite and special parameters are not derived
  }
}

/** One search per parameter (its first derivable value), in the order the parameters are given. */
export function deriveSearches(
  resource: { resourceType: string },
  params: SearchParamInfo[],
): DerivedSearch[] {
  const out: DerivedSearch[] = [];
  for (const param of params) {
    if (param.name === '_id' || param.name === '_lastUpdated') continue;
    for (const part of splitTop(param.expression, '|')) {
      const steps = parsePath(part, resource.resourceType);
      if (!steps) continue;
      const found = walk(resource, steps)
        .map((node) => derive(param, node))
        .find(Boolean);
      if (found) {
        out.push(found);
        break;
      }
    }
  }
  return out;
}
