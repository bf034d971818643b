/**
 * What the service worker does with each request, and what it keeps. Pure (the worker in sw.ts
 * and the unit tests share it).
 *
 * Personal data never enters its cache: the API (/fhir, /api, /auth, /oauth2, /.well-known,
 * /healthz) goes straight to the network, untouched. What it keeps is the app shell: index.html
 * (the same for every page address), the hashed build files and the icons.
 */

/** Addresses that belong to the API (packages/server/src/web-static.ts API_PREFIXES). */
export const API_PREFIXES = ['/fhir', '/api', '/auth', '/oauth2', '/.well-known', '/healthz'];

/** The key under which the shell (index.html) is kept. */
export const SHELL = '/';

/** How long a page load waits for the network before it starts from the kept shell. */
export const NAVIGATION_TIMEOUT_MS = 3_000;

export type Strategy =
  /** Not ours: the browser fetches it as if there were no worker. */
  | 'network'
  /** A page address: the network first (a new release is seen at once), the kept shell if it fails or is slow. */
  | 'shell'
  /** A hashed build file: never changes, so the kept copy first; kept on first use. */
  | 'immutable'
  /** A top-level file (icon, manifest): the kept copy at once, refreshed in the background. */
  | 'refresh';

export interface RequestFacts {
  method: string;
  url: string;
  mode: string;
}

export function isApiPath(path: string): boolean {
  return API_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

export function strategyFor(request: RequestFacts, origin: string, precached: readonly string[]): Strategy {
  if (request.method !== 'GET') return 'network';
  const url = new URL(request.url);
  if (url.origin !== origin) return 'network';
  if (isApiPath(url.pathname)) return 'network';
  if (request.mode === 'navigate') return 'shell';
  if (url.pathname.startsWith('/assets/')) return 'immutable';
  if (url.pathname === '/sw.js') return 'network';
  return precached.includes(url.pathname) ? 'refresh' : 'network';
}

/**
 * What to fetch at install: the shell, the build's JS and CSS and the top-level files. Fonts are
 * kept when first used instead (the Arabic font is for Arabic readers only); compressed twins
 * (.br, .gz) are the server's business.
 */
export function precacheList(files: readonly string[]): string[] {
  const wanted = files
    .map((file) => `/${file.replace(/^\/+/, '')}`)
    .filter((path) => !/\.(br|gz|map)$/.test(path) && !/\.(woff2?|ttf)$/.test(path))
    .filter((path) => path !== '/index.html' && path !== '/sw.js' && !isApiPath(path));
  return [SHELL, ...[...new Set(wanted)].sort()];
}

/** Whether a response may be kept: a complete same-origin answer that does not forbid storing. */
export function mayKeep(response: { ok: boolean; status: number; type: string; headers: Headers }): boolean {
  if (!response.ok || response.status !== 200 || response.type !== 'basic') return false;
  return !/no-store/i.test(response.headers.get('cache-control') ?? '');
}

/** The cache of one release; older ones are dropped when it takes over. */
export function cacheName(version: string): string {
  return `sahti-shell-${version}`;
}

export function isOurCache(name: string): boolean {
  return name.startsWith('sahti-shell-');
}
