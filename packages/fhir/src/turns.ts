/**
 * Long loops over a bundle's entries run on the server's only thread: validating 20,000 resources,
 * building their versions, writing them in chunks held the event loop for 11–14 s, and every other
 * request — a health check, a video call's signalling, the web app's files — waited. Such loops give
 * the event loop a turn every SLICE entries (the bulk import's preparation and the audit writer use the same turns).
 */
export const SLICE = 256;

export const turnToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `i`-th step of a loop: a turn to the event loop before every `slice`-th entry after the first
 * (smaller slices where each entry costs more, as an audit event's canonical form or an import line).
 */
export async function turnEvery(i: number, slice = SLICE): Promise<void> {
  if (i > 0 && i % slice === 0) await turnToEventLoop();
}
