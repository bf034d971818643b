/**
 * The live feed's rules: which messages are resource events, and how long to wait before trying
 * again — quickly after a dropped connection, slowly (a minute) while the server has no feed at
 * all, so that a missing endpoint costs one request a minute and no stream of errors. Pure.
 */
import type { LiveEvent } from './client.ts';

const ACTIONS = new Set(['create', 'update', 'delete']);

/** A `{type:'resource', resourceType, id, versionId, action}` message, or undefined for anything else. */
export function parseLiveEvent(data: unknown): LiveEvent | undefined {
  if (typeof data !== 'string' || data.length > 10_000) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!message || typeof message !== 'object') return undefined;
  const { type, resourceType, id, versionId, action } = message as Record<string, unknown>;
  if (type !== 'resource' || typeof resourceType !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(resourceType))
    return undefined;
  if (typeof action !== 'string' || !ACTIONS.has(action)) return undefined;
  return {
    resourceType,
    action: action as LiveEvent['action'],
    ...(typeof id === 'string' && id ? { id } : {}),
    ...(typeof versionId === 'string' && versionId ? { versionId } : {}),
  };
}

export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 60_000;

/**
 * The wait before the next attempt: doubling from 1 s after each failure in a row, up to 60 s;
 * 60 s at once when the server said it has no live feed (404). `random` spreads the clients out.
 */
export function retryDelay(failures: number, absent: boolean, random = 0.5): number {
  if (absent) return RETRY_MAX_MS;
  const base = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.75 + random * 0.5));
}

/** `ws:` or `wss:` URL of the feed, on the page's own origin (the session cookie goes along). */
export function liveUrl(location: { protocol: string; host: string }, path = '/api/live'): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
}
