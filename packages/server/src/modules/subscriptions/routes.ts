/**
 * `/fhir/R4/Subscription…`: the FHIR interactions on Subscriptions, run by the engine, with access
 * decided here — a Subscription belongs to whoever created it (patient, clinician, administrator
 * or system client alike) and is theirs alone to see and change: it holds their endpoint and the
 * headers (credentials) sent to it. These routes are more specific than the generic `/fhir/R4/*`,
 * so Fastify brings every Subscription request here; authentication, rate limits and the audit
 * trail work as for any FHIR request.
 */
import type { Bundle } from '@medplum/fhirtypes';
import {
  badRequest,
  FhirError,
  type FhirRequest,
  type FhirResponse,
  notFound,
  outcome,
  type RequestAccess,
  type RouteMatch,
} from '@sahti/fhir';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAggregateOnly } from '../../access/policy.ts';
import { scopePermits } from '../../access/smart.ts';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import { FHIR_BASE_PATH } from '../../kernel/config.ts';
import { send } from '../../kernel/http.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';
import { ownedIds, ownership } from './owners.ts';

type Ownership = 'mine' | 'other' | 'none';

const forbidden = (text: string) => new FhirError(403, outcome('error', 'forbidden', text));

/** The access of one caller to Subscriptions: their own, by id; a search sees only theirs. */
export function subscriptionAccess(principal: Principal, owner: Ownership | undefined): RequestAccess {
  const hidden = (id?: string) => notFound(`Subscription/${id ?? ''} does not exist`);
  return {
    actor: principal,
    // Subscriptions belong to no patient: readable as "shared" here, and narrowed to the caller's
    // own by `_id` (searches) or by the ownership check below (everything addressed by id)
    scope: { types: ['Subscription'], shared: ['Subscription'], patients: [] },
    authorize(match: RouteMatch) {
      if (match.resourceType !== 'Subscription') throw forbidden('Only Subscriptions are served here');
      if (isAggregateOnly(principal)) throw forbidden('Programme managers see counts only');
      if (match.conditional)
        badRequest('Conditional writes of Subscriptions are not supported: address one by id');
      let permission: 'read' | 'search' | 'create' | 'update' | 'delete';
      switch (match.interaction) {
        case 'create':
          permission = 'create';
          break;
        case 'search':
          permission = 'search';
          break;
        case 'read':
        case 'vread':
        case 'history':
          if (match.level !== 'instance')
            badRequest('History of all Subscriptions is not served: ask one by id');
          if (owner !== 'mine') hidden(match.id);
          permission = 'read';
          break;
        case 'update':
          // PUT to a new id creates (the write hook records the creator); anyone else's stays hidden
          if (owner === 'other') hidden(match.id);
          permission = 'update';
          break;
        case 'patch':
        case 'delete':
          if (owner !== 'mine') hidden(match.id);
          permission = match.interaction === 'patch' ? 'update' : 'delete';
          break;
        default:
          throw forbidden(`${match.interaction} is not available on Subscription`);
      }
      if (!scopePermits(principal, 'Subscription', permission))
        throw forbidden(`The access token does not grant ${permission} on Subscription`);
    },
    async guard(_tx, next, previous) {
      if ((next ?? previous)?.resourceType !== 'Subscription')
        throw forbidden('Only Subscriptions are written here');
    },
  };
}

function emptySearch(selfUrl: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 0,
    link: [{ relation: 'self', url: selfUrl }],
    entry: [],
  };
}

function acceptsJson(accept: string | undefined, query: [string, string][]): boolean {
  const format = query.find(([k]) => k === '_format')?.[1];
  if (format && !/json/.test(format)) return false;
  return !accept || /json|\*\/\*|application\/\*/.test(accept);
}

export function registerSubscriptionRoutes(ctx: ModuleContext): void {
  const route = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const rawUrl = req.raw.url ?? '';
    const q = rawUrl.indexOf('?');
    const path = (q >= 0 ? rawUrl.slice(0, q) : rawUrl).slice(FHIR_BASE_PATH.length);
    const query = [...new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '')];
    if (!acceptsJson(req.headers.accept, query))
      return send(
        reply,
        406,
        outcome('error', 'not-supported', 'Only JSON is served: application/fhir+json'),
      );
    let body = req.body;
    const segments = path.split('/').filter(Boolean);
    if (req.method === 'POST' && segments[1] === '_search') {
      if (typeof body === 'string') query.push(...new URLSearchParams(body));
      body = undefined;
    }
    const authenticated = await ctx.auth.authenticate(req);
    if (!authenticated)
      throw new FhirError(401, outcome('error', 'login', 'Sign in, or send a bearer token'), {
        'www-authenticate': 'Bearer realm="sahti"',
      });
    const principal: Principal = { ...authenticated, address: req.ip };
    const id = segments[1] && /^[A-Za-z0-9\-.]{1,64}$/.test(segments[1]) ? segments[1] : undefined;
    const owner = id ? await ownership(ctx.db, id, principal) : undefined;
    const fhirQuery = query.filter(([k]) => k !== '_format');
    const searching = (req.method === 'GET' && segments.length === 1) || segments[1] === '_search';
    if (searching) {
      const mine = await ownedIds(ctx.db, principal);
      if (mine.length === 0) {
        if (isAggregateOnly(principal)) throw forbidden('Programme managers see counts only');
        return send(reply, 200, emptySearch(`${ctx.store.baseUrl}${path}`));
      }
      fhirQuery.push(['_id', mine.join(',')]); // with a client's own _id, both must hold
    }
    const request: FhirRequest = {
      method: req.method,
      path,
      query: fhirQuery,
      headers: req.headers as Record<string, string | undefined>,
      body,
      access: subscriptionAccess(principal, owner),
    };
    let res: FhirResponse | undefined;
    try {
      res = await ctx.fhir.handle(request);
    } finally {
      const recorded = res ?? { status: 500, headers: {}, audit: [] };
      ctx.audit.recordRequest(auditInputsForFhir(principal, recorded));
    }
    if (res.error)
      req.log.error({ err: { message: String(res.error) } }, 'unexpected error in the FHIR engine');
    if (req.method !== 'GET' && res.status < 400) ctx.events.nudge();
    for (const [name, value] of Object.entries(res.headers)) if (value) reply.header(name, value);
    return send(reply, res.status, res.body);
  };
  const methods: ('GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE')[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  ctx.app.route({ method: methods, url: `${FHIR_BASE_PATH}/Subscription`, handler: route });
  ctx.app.route({ method: methods, url: `${FHIR_BASE_PATH}/Subscription/*`, handler: route });
}
