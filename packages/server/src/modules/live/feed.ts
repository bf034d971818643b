/**
 * The live feed's connections: each signed-in user's socket with their access (resolved like a
 * request's, re-resolved every `accessMs` and at once when a write may have changed who sees whom),
 * and the events of committed writes fanned out to those who may read them (audience.ts), in
 * commit order. A socket that lags (its send buffer past `maxBufferBytes`) is closed with 4008:
 * the client reconnects and refreshes everything, rather than the server queueing without end.
 */
import type { WebSocket } from '@fastify/websocket';
import type { FhirRequest, ReadScope, RequestAccess, RouteMatch } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { RELATION_TYPES } from '../../access/relations/sources.ts';
import type { ResourceEvent } from '../../events/bus.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { CLOSE, watchSocket } from '../../kernel/websocket.ts';
import { actorReferences, audience } from './audience.ts';

export interface LiveSettings {
  heartbeatMs: number;
  /** How often each connection's access is resolved again (time-bound relationships end). */
  accessMs: number;
  /** How often the credentials are checked (logout, session expiry). */
  recheckMs: number;
  maxBufferBytes: number;
  maxPerUser: number;
}

export function readLiveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
    return v;
  };
  return {
    heartbeatMs: n('SAHTI_LIVE_HEARTBEAT_SECONDS', 25) * 1000,
    accessMs: n('SAHTI_LIVE_ACCESS_SECONDS', 60) * 1000,
    recheckMs: n('SAHTI_LIVE_RECHECK_SECONDS', 30) * 1000,
    maxBufferBytes: n('SAHTI_LIVE_MAX_BUFFER_KB', 256) * 1024,
    maxPerUser: n('SAHTI_LIVE_MAX_PER_USER', 10),
  };
}

interface Connection {
  socket: WebSocket;
  principal: Principal;
  access: RequestAccess;
  visible: ReadonlySet<string> | 'all';
  /** The user and the organisations they work for (care-givers): whose relationships matter. */
  actors: readonly string[];
  readable: Map<string, boolean>;
  resolvedAt: number;
  closing: boolean;
}

export interface LiveMessage {
  type: 'resource';
  resourceType: string;
  id: string;
  versionId: string;
  action: ResourceEvent['action'];
}

export class LiveFeed {
  private readonly connections = new Set<Connection>();
  private readonly queue: ({ kind: 'event'; event: ResourceEvent } | { kind: 'refresh' })[] = [];
  private draining = false;
  private timer: NodeJS.Timeout | undefined;
  /** Counters for operators and tests. */
  readonly stats = { sent: 0, lagged: 0, opened: 0 };

  private readonly ctx: ModuleContext;
  private readonly settings: LiveSettings;

  constructor(ctx: ModuleContext, settings: LiveSettings) {
    this.ctx = ctx;
    this.settings = settings;
  }

  get size(): number {
    return this.connections.size;
  }

  countOf(principal: Principal): number {
    let n = 0;
    for (const c of this.connections)
      if (c.principal.kind === principal.kind && c.principal.id === principal.id) n++;
    return n;
  }

  async open(socket: WebSocket, request: FastifyRequest, principal: Principal): Promise<void> {
    const conn: Connection = {
      socket,
      principal,
      access: {},
      visible: new Set(),
      actors: [],
      readable: new Map(),
      resolvedAt: 0,
      closing: false,
    };
    await this.resolve(conn);
    if (socket.readyState !== socket.OPEN) return;
    this.connections.add(conn);
    this.stats.opened++;
    watchSocket(socket, request, this.ctx.auth, {
      heartbeatMs: this.settings.heartbeatMs,
      recheckMs: this.settings.recheckMs,
    });
    socket.on('close', () => this.connections.delete(conn));
    socket.on('message', () => undefined); // the feed is one-way; what a client sends is ignored
    if (!this.timer) {
      this.timer = setInterval(
        () => this.push({ kind: 'refresh' }),
        Math.min(this.settings.accessMs, 60_000),
      );
      this.timer.unref();
    }
  }

  onEvent(event: ResourceEvent): void {
    if (this.connections.size === 0 || event.resourceType === 'Subscription') return;
    this.push({ kind: 'event', event });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const c of this.connections) c.socket.close(CLOSE.shuttingDown, 'server shutting down');
  }

  private push(item: LiveFeed['queue'][number]): void {
    if (this.queue.length > 50_000) {
      // this process is far behind: every client refreshes rather than wait
      this.queue.length = 0;
      for (const c of this.connections) this.lag(c);
      return;
    }
    this.queue.push(item);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const item = this.queue.shift() as LiveFeed['queue'][number];
        try {
          if (item.kind === 'refresh') await this.refreshDue();
          else await this.deliver(item.event);
        } catch (err) {
          this.ctx.log.error(`live: ${(err as Error).message}`);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async refreshDue(): Promise<void> {
    const now = Date.now();
    for (const c of this.connections) if (now - c.resolvedAt >= this.settings.accessMs) await this.resolve(c);
  }

  private async resolve(conn: Connection): Promise<void> {
    const access = await this.ctx.access.resolve(conn.principal);
    const scope = access.scope;
    conn.access = access;
    conn.visible = !scope || scope.patients === 'all' ? 'all' : new Set(scope.patients);
    conn.actors = scope?.addressed?.actors ?? (conn.principal.fhirUser ? [conn.principal.fhirUser] : []);
    conn.readable.clear();
    conn.resolvedAt = Date.now();
  }

  private async deliver(event: ResourceEvent): Promise<void> {
    let changed: Set<string> | undefined;
    let invalidated = false;
    for (const conn of this.connections) {
      if (conn.closing || !this.mayReadType(conn, event.resourceType)) continue;
      let verdict = this.verdict(conn, event);
      if (RELATION_TYPES.has(event.resourceType) && conn.visible !== 'all' && conn.actors.length > 0) {
        // a booking, visit, referral, care team or consent may have just opened or closed this
        // user's access: look again before deciding, and tell them if either view shows it
        changed ??= await this.actorsOf(event);
        const touched =
          conn.actors.some((a) => changed?.has(a)) ||
          (event.resourceType === 'Consent' &&
            event.patients.some((p) => (conn.visible as ReadonlySet<string>).has(p)));
        if (touched) {
          if (!invalidated) this.ctx.access.careViews.invalidate(); // another process may have written it
          invalidated = true;
          await this.resolve(conn);
          const after = this.verdict(conn, event);
          if (verdict !== 'send') verdict = after;
        }
      }
      if (verdict === 'ask') verdict = (await this.askVisible(conn, event)) ? 'send' : 'skip';
      if (verdict === 'send') this.send(conn, event);
    }
  }

  private verdict(conn: Connection, event: ResourceEvent) {
    return audience(event, conn.access.scope as ReadScope | undefined, conn.visible);
  }

  /** The role matrix and SMART scopes for reading this type (what a read request would meet first). */
  private mayReadType(conn: Connection, type: string): boolean {
    let ok = conn.readable.get(type);
    if (ok === undefined) {
      const match: RouteMatch = {
        interaction: 'read',
        level: 'instance',
        method: 'GET',
        resourceType: type,
        id: 'x',
        conditional: false,
        query: [],
      };
      const request: FhirRequest = { method: 'GET', path: `/${type}/x`, query: [], headers: {} };
      try {
        conn.access.authorize?.(match, request);
        ok = true;
      } catch {
        ok = false;
      }
      conn.readable.set(type, ok);
    }
    return ok;
  }

  private async askVisible(conn: Connection, event: ResourceEvent): Promise<boolean> {
    return this.ctx.store.as(conn.access).isVisible(event.resourceType, event.id);
  }

  /** Practitioners and organisations named by this version and the one before it. */
  private async actorsOf(event: ResourceEvent): Promise<Set<string>> {
    const found = new Set<string>();
    for (const v of [event.versionId, event.versionId - 1]) {
      if (v < 1) continue;
      try {
        const version = await this.ctx.store.vread(event.resourceType, event.id, String(v));
        for (const ref of actorReferences(version)) found.add(ref);
      } catch {
        // a deletion version has no content; its predecessor is read next
      }
    }
    return found;
  }

  private send(conn: Connection, event: ResourceEvent): void {
    const socket = conn.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.settings.maxBufferBytes) {
      this.lag(conn);
      return;
    }
    const message: LiveMessage = {
      type: 'resource',
      resourceType: event.resourceType,
      id: event.id,
      versionId: String(event.versionId),
      action: event.action,
    };
    socket.send(JSON.stringify(message));
    this.stats.sent++;
  }

  private lag(conn: Connection): void {
    if (conn.closing) return;
    conn.closing = true;
    this.stats.lagged++;
    this.connections.delete(conn);
    conn.socket.close(CLOSE.lagging, 'lagging: reconnect and refresh');
    // the close frame waits behind the unsent data: a peer that reads nothing is cut off
    setTimeout(() => conn.socket.terminate(), 10_000).unref();
  }
}
