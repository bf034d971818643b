/**
 * Path patterns of the tiny router: `/portal/record/:section`, `/admin/*`. Pure.
 * Why our own router: the app needs a dozen flat routes, params and links; a library router's
 * loaders and data APIs would be first-screen weight the patient's phone pays for.
 */
export type Params = Record<string, string>;

export function matchPath(pattern: string, path: string): Params | null {
  const want = split(pattern);
  const have = split(path);
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part === '*') {
      params['*'] = have.slice(i).join('/');
      return params;
    }
    const value = have[i];
    if (value === undefined) return null;
    if (part.startsWith(':')) params[part.slice(1)] = safeDecode(value);
    else if (part !== value) return null;
  }
  return have.length === want.length ? params : null;
}

/** The first route whose pattern matches, with its params. */
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
