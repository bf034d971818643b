/**
 * Read-your-writes across requests: a request that may write marks its principal (`kind:id`: one
 * user account across its sessions, or one OAuth client) as writing from before its handler runs
 * until its response is ready — after its commit — so that the principal's reads go to the primary
 * until a replica has replayed past the end of that write (freshness.ts). Any route counts, not
 * only the FHIR API: a booking through /api is read back through /fhir. Requests that cannot write
 * — GET, HEAD, OPTIONS and FHIR `_search` — mark nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal } from '../../kernel/principal.ts';
import type { ReadRouting } from './router.ts';

/** Whose writes a read must see: the same key for marking and for choosing. */
export function principalKey(principal: Principal | undefined): string {
  return principal ? `${principal.kind}:${principal.id}` : 'anonymous';
}

export function mayWrite(method: string, url: string): boolean {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return false;
  const path = url.split('?')[0];
  return !(method === 'POST' && path.endsWith('/_search'));
}

export function markWrites(
  app: FastifyInstance,
  routing: Pick<ReadRouting, 'beginWrite' | 'endWrite'>,
): void {
  const open = new WeakMap<FastifyRequest, string>();
  app.addHook('preHandler', async (req) => {
    if (!mayWrite(req.method, req.url)) return;
    const key = principalKey(req.principal);
    routing.beginWrite(key);
    open.set(req, key);
  });
  const end = (req: FastifyRequest) => {
    const key = open.get(req);
    if (key === undefined) return;
    open.delete(req);
    routing.endWrite(key);
  };
  // onSend: before the client can see the answer (and ask again); onResponse: whatever happened
  app.addHook('onSend', async (req, _reply, payload) => {
    end(req);
    return payload;
  });
  app.addHook('onResponse', async (req) => end(req));
}
