/**
 * The service worker: keeps the app shell so that a return visit starts at once, even on a weak
 * or absent network. Built into /sw.js by scripts/service-worker-plugin.ts, which writes the
 * release's file list and version in place of the two constants below. The rules are in
 * sw-rules.ts; API answers (personal data) are never touched nor kept.
 */
import {
  cacheName,
  isOurCache,
  mayKeep,
  NAVIGATION_TIMEOUT_MS,
  SHELL,
  type Strategy,
  strategyFor,
} from './sw-rules.ts';

declare const __SAHTI_PRECACHE__: string[];
declare const __SAHTI_VERSION__: string;

// the few worker types used here (the project's TypeScript lib is the DOM's, not the worker's)
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  request: Request;
  preloadResponse: Promise<Response | undefined>;
  respondWith(response: Response | Promise<Response>): void;
}
interface WorkerScope {
  location: Location;
  registration: ServiceWorkerRegistration;
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}
const worker = self as unknown as WorkerScope;

const PRECACHE = __SAHTI_PRECACHE__;
const CACHE = cacheName(__SAHTI_VERSION__);

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: bypass the HTTP cache, so the kept shell is this release's
      await cache.addAll(PRECACHE.map((path) => new Request(path, { cache: 'reload' })));
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (isOurCache(name) && name !== CACHE) await caches.delete(name);
      await worker.registration.navigationPreload?.enable();
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  const strategy: Strategy = strategyFor(request, worker.location.origin, PRECACHE);
  if (strategy === 'network') return;
  if (strategy === 'shell') event.respondWith(shell(event));
  else if (strategy === 'immutable') event.respondWith(keptFirst(event));
  else event.respondWith(keptThenRefresh(event));
});

/** A page: the network (index.html), kept for next time; the kept shell when offline or slow. */
async function shell(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(CACHE);
  const fromNetwork = (async () => {
    const preloaded = await event.preloadResponse;
    const response = preloaded ?? (await fetch(event.request));
    if (mayKeep(response) && /text\/html/.test(response.headers.get('content-type') ?? '')) {
      await cache.put(SHELL, response.clone());
    }
    return response;
  })();
  event.waitUntil(fromNetwork.then(noop, noop));
  const kept = await cache.match(SHELL);
  if (!kept) return fromNetwork;
  const slow = new Promise<undefined>((resolve) => setTimeout(resolve, NAVIGATION_TIMEOUT_MS));
  const first = await Promise.race([fromNetwork.catch(() => undefined), slow]);
  return first ?? kept;
}

/**
 * A hashed build file: the kept copy, else the network, handed to the page at once and kept for
 * next time behind it (the page never waits for the copy to be stored).
 */
async function keptFirst(event: FetchEvent): Promise<Response> {
  const { request } = event;
  const cache = await caches.open(CACHE);
  // ignoreVary: the server varies on Origin (CORS), which a module script's request carries and the
  // install's request does not; the file is the same whoever asks
  const kept = await cache.match(request, { ignoreVary: true });
  if (kept) return kept;
  const response = await fetch(request);
  if (mayKeep(response)) event.waitUntil(cache.put(request, response.clone()).catch(noop));
  return response;
}

/** An icon or the manifest: the kept copy at once, refreshed from the network behind it. */
async function keptThenRefresh(event: FetchEvent): Promise<Response> {
  const cache = await caches.open(CACHE);
  const refresh = fetch(event.request).then(async (response) => {
    if (mayKeep(response)) await cache.put(event.request, response.clone());
    return response;
  });
  event.waitUntil(refresh.then(noop, noop));
  return (await cache.match(event.request, { ignoreVary: true })) ?? refresh;
}

function noop(): void {}
