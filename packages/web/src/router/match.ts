/**
 * Path patterns of the tiny router: `/portal/record/:section`, `/admin/*`, and trees of them —
 * a branch (`/clinician/patients/:id`, with a layout) whose children continue its path
 * (`''` for its index, `timeline`, `encounters/:encounter`). Pure.
 * Why our own router: see packages/web/README.md (a route table the shell reads for areas, a few
 * hundred bytes, nothing the first screen does not use).
 */
export type Params = Record<string, string>;

export function matchPath(pattern: string, path: string): Params | null {
  const have = split(path);
  const found = matchSegments(split(pattern), have, 0);
  return found && found.consumed === have.length ? found.params : null;
}

/** Matches a pattern against the path's segments from `start`; a star takes the rest. */
function matchSegments(
  want: string[],
  have: string[],
  start: number,
): { params: Params; consumed: number } | null {
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part === '*') {
      params['*'] = have.slice(start + i).join('/');
      return { params, consumed: have.length };
    }
    const value = have[start + i];
    if (value === undefined) return null;
    if (part.startsWith(':')) params[part.slice(1)] = safeDecode(value);
    else if (part !== value) return null;
  }
  return { params, consumed: start + want.length };
}

/** The first route whose pattern matches, with its params (a flat list). */
export function findRoute<T extends { path: string }>(
  routes: readonly T[],
  path: string,
): { route: T; params: Params } | undefined {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

/** A route of a tree: its path continues its parent's; a branch has children. */
export interface TreeRoute<N> {
  path: string;
  children?: readonly N[];
}

export interface TreeMatch<N> {
  /** From the top branch down to the matched leaf. */
  chain: N[];
  /** The address each level of the chain matched (`/clinician/patients/42` for the chart's layout). */
  urls: string[];
  /** Every level's params, merged. */
  params: Params;
}

/**
 * The first chain of routes, in order, that matches the whole path: a branch matches its own
 * segments and then one of its children the rest; a leaf must match to the end.
 */
export function matchTree<N extends TreeRoute<N>>(
  routes: readonly N[],
  path: string,
): TreeMatch<N> | undefined {
  const have = split(path);
  const walk = (list: readonly N[], start: number): TreeMatch<N> | undefined => {
    for (const route of list) {
      const found = matchSegments(split(route.path), have, start);
      if (!found) continue;
      const url = `/${have.slice(0, found.consumed).join('/')}`;
      if (route.children) {
        const below = walk(route.children, found.consumed);
        if (below) {
          return {
            chain: [route, ...below.chain],
            urls: [url, ...below.urls],
            params: { ...found.params, ...below.params },
          };
        }
      } else if (found.consumed === have.length) {
        return { chain: [route], urls: [url], params: found.params };
      }
    }
    return undefined;
  };
  return walk(routes, 0);
}

/** Where to go after signing in: only a path of this site, never another origin. */
export function safeNext(next: string | null | undefined, fallback: string): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}

function split(path: string): string[] {
  return path.split('?')[0].split('/').filter(Boolean);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
