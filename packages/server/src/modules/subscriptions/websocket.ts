/**
 * The R4 `websocket` channel: a client opens `/fhir/R4/websocket` (advertised in the
 * CapabilityStatement) with its bearer token or session, sends `bind <id>` for a websocket
 * Subscription of its own, gets `bound <id>`, then `ping <id>` after each committed write the
 * Subscription matches — decided as the subscriber, like a rest-hook, and audited as their read.
 * In-process: each process decides for the sockets it holds, from the event bus's listeners.
 */
import type { WebSocket } from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { ResourceEvent } from '../../events/bus.ts';
import { FHIR_BASE_PATH } from '../../kernel/config.ts';
import { refuse } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { originAllowed, useWebSockets, watchSocket } from '../../kernel/websocket.ts';
import { matchAs, type Subscriber } from './evaluate.ts';
import { ownership, type SubscriberSnapshot } from './owners.ts';
import type { SubscriptionRegistry } from './registry.ts';

export const WEBSOCKET_PATH = `${FHIR_BASE_PATH}/websocket`;
const MAX_BINDINGS = 50;

export interface SubscriptionSockets {
  /** Called by the module's listener with every committed write this process reads. */
  onEvent(event: ResourceEvent): void;
  close(): void;
}

export async function registerSubscriptionSocket(deps: {
  ctx: ModuleContext;
  registry: SubscriptionRegistry;
  subscriber: (s: SubscriberSnapshot) => Promise<Subscriber | undefined>;
  publicUrl: () => string;
}): Promise<SubscriptionSockets> {
  const { ctx, registry } = deps;
  await useWebSockets(ctx.app);
  /** Subscription id → sockets bound to it in this process. */
  const bound = new Map<string, Set<WebSocket>>();
  const sockets = new Set<WebSocket>();

  ctx.app.route({
    method: 'GET',
    url: WEBSOCKET_PATH,
    preValidation: async (request, reply) => {
      if (!request.principal) {
        if (request.authError) throw request.authError;
        return refuse(reply, 401, 'login', 'Send a bearer token (or open this from a signed-in page)');
      }
      if (!originAllowed(request, deps.publicUrl(), ctx.config.corsOrigins ?? []))
        return refuse(reply, 403, 'forbidden', 'WebSockets are opened from this server’s own pages only');
    },
    handler: async (_request, reply) =>
      refuse(
        reply.header('upgrade', 'websocket'),
        426,
        'not-supported',
        'Open a WebSocket here, then send "bind <Subscription id>"',
      ),
    wsHandler: (socket, request) => open(socket, request),
  });

  const open = (socket: WebSocket, request: FastifyRequest) => {
    const principal = request.principal as Principal;
    const mine = new Set<string>();
    sockets.add(socket);
    watchSocket(socket, request, ctx.auth, { heartbeatMs: 30_000, recheckMs: 60_000 });
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString().trim();
      const m = /^bind\s+([A-Za-z0-9\-.]{1,64})$/.exec(text);
      if (!m) {
        socket.send('error expected "bind <Subscription id>"');
        return;
      }
      const id = m[1];
      void (async () => {
        const known = registry.get(id);
        const owned = (await ownership(ctx.db, id, principal)) === 'mine';
        if (!owned || (known && known.spec.channel.type !== 'websocket')) {
          socket.send(`error ${id}: no websocket Subscription of yours has this id`);
          return;
        }
        if (mine.size >= MAX_BINDINGS && !mine.has(id)) {
          socket.send(`error ${id}: at most ${MAX_BINDINGS} bindings per connection`);
          return;
        }
        mine.add(id);
        const set = bound.get(id) ?? new Set();
        set.add(socket);
        bound.set(id, set);
        socket.send(`bound ${id}`);
      })().catch((err: Error) => {
        ctx.log.error(`subscriptions websocket bind: ${err.message}`);
        socket.send(`error ${id}: try again`);
      });
    });
    socket.on('close', () => {
      sockets.delete(socket);
      for (const id of mine) {
        const set = bound.get(id);
        set?.delete(socket);
        if (set?.size === 0) bound.delete(id);
      }
    });
  };

  // decided one event at a time, in order; each subscription once, whatever its number of sockets
  const queue: ResourceEvent[] = [];
  let draining = false;
  const drain = async () => {
    if (draining) return;
    draining = true;
    try {
      while (queue.length > 0) {
        const event = queue.shift() as ResourceEvent;
        for (const [id, set] of bound) {
          const s = registry.get(id);
          if (s?.spec.channel.type !== 'websocket' || s.spec.status !== 'active') continue;
          if (s.spec.criteria.resourceType !== event.resourceType) continue;
          if (s.spec.end !== undefined && s.spec.end <= Date.now()) continue;
          try {
            const subscriber = await deps.subscriber(s.subscriber);
            const match = subscriber && (await matchAs(ctx.store, subscriber, s.spec, event.id));
            if (!subscriber || !match) continue;
            let sent = 0;
            for (const socket of set)
              if (socket.readyState === socket.OPEN) {
                socket.send(`ping ${id}`);
                sent++;
              }
            if (sent > 0)
              ctx.audit.record({
                principal: subscriber.principal,
                interaction: 'read',
                resourceType: event.resourceType,
                ids: [`${event.resourceType}/${event.id}/_history/${event.versionId}`],
                patientIds: match.patients,
                outcome: 200,
                outcomeDesc: `Subscription/${id} websocket ping`,
              });
          } catch (err) {
            ctx.log.error(`subscriptions websocket: ${(err as Error).message}`);
          }
        }
      }
    } finally {
      draining = false;
    }
  };

  return {
    onEvent(event) {
      if (bound.size === 0 || event.action === 'delete' || event.resourceType === 'Subscription') return;
      if (queue.length > 10_000) queue.shift(); // far behind: the oldest are the least useful
      queue.push(event);
      void drain();
    },
    close() {
      for (const socket of sockets) socket.close(1001, 'server shutting down');
    },
  };
}
