/**
 * WebSockets on the platform's Fastify app (@fastify/websocket), registered once whichever module
 * asks first: the plugin decorates the server, so a second registration would fail. A route then
 * declares `{ websocket: true }` with `wsHandler` for the socket and `handler` for a plain GET.
 * Also what every long-lived socket needs: a heartbeat that drops dead peers, a browser origin
 * check (cross-site WebSocket hijacking), and closing when the credentials it opened with end.
 */
import websocket, { type WebSocket } from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.ts';

export async function useWebSockets(app: FastifyInstance): Promise<void> {
  if (app.hasDecorator('websocketServer')) return;
  // 64 KiB: control messages (bind, ping, signalling), never documents
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
}

/** Close codes (4000–4999 are the application's). */
export const CLOSE = { signedOut: 4001, lagging: 4008, shuttingDown: 1001 } as const;

/**
 * A browser sends Origin with every WebSocket handshake and cookies go along even cross-site:
 * only the server's own origin and the CORS origins may open one with a session. Clients that are
 * not browsers send no Origin.
 */
export function originAllowed(
  request: FastifyRequest,
  publicUrl: string,
  corsOrigins: readonly string[],
): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  const own = new URL(publicUrl).origin;
  const host = request.headers.host;
  return (
    origin === own ||
    corsOrigins.includes(origin) ||
    (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`))
  );
}

export interface SocketWatch {
  stop(): void;
}

/**
 * Pings every `heartbeatMs` and terminates a peer that did not answer the previous ping; every
 * `recheckMs`, closes the socket (4001) once its request's credentials no longer hold — logout,
 * session expiry or idle timeout, an expired bearer token — without extending the session.
 */
export function watchSocket(
  socket: WebSocket,
  request: FastifyRequest,
  auth: Authenticator,
  options: { heartbeatMs: number; recheckMs: number; onSignedOut?: () => void },
): SocketWatch {
  let alive = true;
  socket.on('pong', () => {
    alive = true;
  });
  const heartbeat = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, options.heartbeatMs);
  const recheck = setInterval(() => {
    void auth.stillValid(request).then(
      (valid) => {
        if (valid) return;
        options.onSignedOut?.();
        socket.close(CLOSE.signedOut, 'signed out');
      },
      () => undefined, // the database is unreachable: keep the socket, ask again later
    );
  }, options.recheckMs);
  heartbeat.unref();
  recheck.unref();
  const stop = () => {
    clearInterval(heartbeat);
    clearInterval(recheck);
  };
  socket.on('close', stop);
  return { stop };
}
