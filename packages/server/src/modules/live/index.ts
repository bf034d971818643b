/**
 * Live updates for the web app (see README.md): `GET /api/live` upgraded to a WebSocket, signed
 * in by the session cookie or a bearer token, pushing `{type:'resource', resourceType, id,
 * versionId, action}` for each committed write the user may read. A module rather than kernel
 * code: it needs nothing but what every module gets (routes, the event bus, auth, access), and
 * services that want their own push channels can do the same.
 */
import { refuse } from '../../kernel/http.ts';
import type { ModuleContext, SahtiModule } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { originAllowed, useWebSockets } from '../../kernel/websocket.ts';
import { LiveFeed, type LiveSettings, readLiveSettings } from './feed.ts';

export { type LiveMessage, type LiveSettings, readLiveSettings } from './feed.ts';

export const LIVE_PATH = '/api/live';

export function liveModule(given?: LiveSettings): SahtiModule {
  let feed: LiveFeed | undefined;
  let stopListening: (() => void) | undefined;
  return {
    name: 'live',
    async register(ctx: ModuleContext) {
      const settings = given ?? readLiveSettings();
      const live = new LiveFeed(ctx, settings);
      feed = live;
      await useWebSockets(ctx.app);
      const publicUrl = () => ctx.store.baseUrl.replace(/\/fhir\/R4$/, '');
      ctx.app.route({
        method: 'GET',
        url: LIVE_PATH,
        preValidation: async (request, reply) => {
          if (!request.principal) {
            if (request.authError) throw request.authError;
            return refuse(reply, 401, 'login', 'Sign in to receive live updates');
          }
          if (!originAllowed(request, publicUrl(), ctx.config.corsOrigins ?? []))
            return refuse(
              reply,
              403,
              'forbidden',
              'The live feed is opened from this server’s own pages only',
            );
          if (live.countOf(request.principal) >= settings.maxPerUser)
            return refuse(
              reply,
              429,
              'throttled',
              `At most ${settings.maxPerUser} live connections per user`,
            );
        },
        // a plain GET says the feed exists (the web app asks before opening a socket)
        handler: async (_request, reply) =>
          refuse(
            reply.header('upgrade', 'websocket'),
            426,
            'not-supported',
            'Open a WebSocket to receive live updates',
          ),
        wsHandler: (socket, request) => {
          void live.open(socket, request, request.principal as Principal).catch((err: Error) => {
            ctx.log.error(`live: ${err.message}`);
            socket.close(1011, 'try again');
          });
        },
      });
      stopListening = ctx.events.listen((event) => live.onEvent(event));
    },
    async close() {
      stopListening?.();
      feed?.close();
    },
  };
}

export const live: SahtiModule = liveModule();
