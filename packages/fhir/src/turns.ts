/**
 * Long loops over a bundle's entries run on the server's only thread: validating 20,000 resources,
 * building their versions, writing them in chunks held the event loop for 11–14 s, and every other
 * request — a health check, a video call's signalling, the web app's files — waited. Such loops give
 * the event loop a turn every SLICE entries (as the bulk import and the audit writer do).
 */
export const SLICE = 256;

export const turnToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `i`-th step of a loop: a turn to the event loop before every SLICE-th entry after the first. */
export async function turnEvery(i: number): Promise<void> {
  if (i > 0 && i % SLICE === 0) await turnToEventLoop();
}
