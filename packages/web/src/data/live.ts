/**
 * The live feed: a WebSocket to `/api/live` (same origin, the session cookie goes along) whose
 * resource events refresh the cached answers they touch (`applyLiveEvent`). Reconnects with a
 * growing wait after a drop, and refreshes everything after a gap (events may have been missed).
 *
 * Before opening a socket it asks `GET /api/live` over plain HTTP: a refused WebSocket handshake
 * writes an error to the console that no script can silence, whereas a 404 to a fetch is a quiet
 * "not yet". While the server has no feed (404, 405, 501) or refuses the user (401, 403), it asks
 * again once a minute — and the tab remembers it across page loads (sessionStorage), so that
 * reloading pages does not ask at each load. The server answers a plain GET of the feed with 426
 * Upgrade Required.
 */
import { applyLiveEvent, invalidateAll } from './client.ts';
import { liveUrl, parseLiveEvent, retryDelay } from './live-rules.ts';

const PATH = '/api/live';
const ABSENT = new Set([401, 403, 404, 405, 501]);
const ABSENT_UNTIL = 'sahti.live.absentUntil';

/** ms to wait before asking, when this tab learnt lately that the server has no feed. */
function rememberedWait(): number {
  try {
    return Math.max(0, Number(window.sessionStorage.getItem(ABSENT_UNTIL) ?? 0) - Date.now());
  } catch {
    return 0; // storage disabled
  }
}

function rememberAbsent(ms: number): void {
  try {
    window.sessionStorage.setItem(ABSENT_UNTIL, String(Date.now() + ms));
  } catch {
    // storage disabled: this page load only
  }
}

export interface LiveFeed {
  stop(): void;
}

export function startLive(): LiveFeed {
  let stopped = false;
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  /** The server has answered the socket once: later drops reconnect without asking first. */
  let known = false;
  let connectedBefore = false;

  const later = (absent: boolean) => {
    if (stopped) return;
    failures++;
    const wait = retryDelay(failures, absent, Math.random());
    if (absent) rememberAbsent(wait);
    timer = setTimeout(() => void attempt(), wait);
  };

  async function attempt(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    if (!known) {
      let status: number;
      try {
        status = (await fetch(PATH, { credentials: 'same-origin', cache: 'no-store' })).status;
      } catch {
        later(false); // offline: try again soon
        return;
      }
      if (stopped) return;
      if (ABSENT.has(status)) {
        later(true);
        return;
      }
    }
    let opened = false;
    const ws = new WebSocket(liveUrl(window.location, PATH));
    socket = ws;
    ws.onopen = () => {
      opened = true;
      known = true;
      failures = 0;
      if (connectedBefore) void invalidateAll();
      connectedBefore = true;
    };
    ws.onmessage = (message) => {
      const event = parseLiveEvent(message.data);
      if (event) void applyLiveEvent(event);
    };
    ws.onclose = () => {
      if (socket === ws) socket = undefined;
      if (!opened) known = false; // refused: ask over HTTP again before the next socket
      later(false);
    };
  }

  const remembered = rememberedWait();
  if (remembered > 0) timer = setTimeout(() => void attempt(), remembered);
  else void attempt();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      socket?.close(1000);
      socket = undefined;
    },
  };
}
