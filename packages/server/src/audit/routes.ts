/**
 * The trail over HTTP. Read-only: the server alone writes AuditEvents, so every write method on
 * /fhir/R4/AuditEvent is refused here before the generic FHIR routes could store a forged one.
 * These specific routes win over fhir-routes.ts's `/fhir/R4/*` wildcard (Fastify matches static
 * and parametric routes before a wildcard). Reading the trail is itself recorded.
 *
 *   GET /fhir/R4/AuditEvent?patient=Patient/x&agent=&date=ge…&action=&outcome=&_count=&_cursor=
 *   GET /fhir/R4/AuditEvent/:id
 *   GET /api/me/access-log?_count=&_cursor=&patient=&others=1 (a patient's own, or of one they act
 *   for: JSON; `others=1` leaves out the patient's own visits, which can fill whole pages)
 */
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { badRequest, FhirError, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_BASE_PATH } from '../kernel/config.ts';
import { send } from '../kernel/http.ts';
import type { Principal } from '../kernel/principal.ts';
import { accessLogEntry } from './access-log.ts';
import type { AuditAction } from './codes.ts';
import { type AuditSearch, listAccessesToPatient, readAuditEvent, searchAuditEvents } from './read.ts';
import type { AuditLog } from './writer.ts';

export interface AuditRouteDeps {
  audit: AuditLog;
  authenticate(req: FastifyRequest): Promise<Principal | undefined>;
  /** May this principal see the accesses to this patient's record? */
  canRead(principal: Principal, patientId: string): boolean;
  /** May this principal search the trail across patients? Administrators by default. */
  canSearchAll?(principal: Principal): boolean;
  /** Does this patient act for that one (a documented delegation: a parent for a child…)? */
  actsFor?(principal: Principal, patientId: string): Promise<boolean>;
}

const PATH = `${FHIR_BASE_PATH}/AuditEvent`;
const SEARCH_PARAMS = new Set([
  'patient',
  'agent',
  'date',
  'action',
  'outcome',
  '_count',
  '_cursor',
  '_format',
]);

export function registerAuditRoutes(app: FastifyInstance, deps: AuditRouteDeps): void {
  const canSearchAll = deps.canSearchAll ?? ((p: Principal) => p.roles.includes('administrator'));
  const record = (
    principal: Principal,
    req: FastifyRequest,
    status: number,
    patient?: string,
    ids?: string[],
  ) =>
    deps.audit.record({
      principal,
      interaction: ids ? 'read' : 'search',
      resourceType: 'AuditEvent',
      ...(ids
        ? { ids }
        : { query: req.url.startsWith(PATH) ? req.url.slice(FHIR_BASE_PATH.length + 1) : req.url }),
      patientIds: patient ? [patient] : [],
      outcome: status,
      address: req.ip,
    });

  app.get(PATH, async (req, reply) => {
    const principal = await deps.authenticate(req);
    if (!principal) return send(reply, 401, outcome('error', 'login', 'Sign in to read the audit trail'));
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const unknown = [...query.keys()].find((k) => !SEARCH_PARAMS.has(k));
    if (unknown)
      return send(
        reply,
        400,
        outcome('error', 'not-supported', `Unknown AuditEvent search parameter "${unknown}"`),
      );
    const patient = query.get('patient')?.replace(/^Patient\//, '') || undefined;
    const allowed = patient ? deps.canRead(principal, patient) : canSearchAll(principal);
    if (!allowed) {
      record(principal, req, 403, patient);
      return send(reply, 403, outcome('error', 'forbidden', 'You may not read this audit trail'));
    }
    try {
      const search: AuditSearch = {
        ...(patient ? { patient } : {}),
        ...(query.get('agent') ? { agent: query.get('agent')! } : {}),
        ...dateBounds(query.getAll('date')),
        ...(query.get('action') ? { action: query.get('action') as AuditAction } : {}),
        ...(query.get('outcome') ? { outcome: query.get('outcome')! } : {}),
        ...(query.get('_count') ? { count: Number(query.get('_count')) || undefined } : {}),
        ...(query.get('_cursor') ? { cursor: query.get('_cursor')! } : {}),
      };
      const page = await searchAuditEvents(deps.audit.db, search);
      record(principal, req, 200, patient);
      return send(reply, 200, searchset(baseUrl(req), query, page.events, page.nextCursor));
    } catch (error) {
      return failure(reply, error);
    }
  });

  app.get<{ Params: { id: string } }>(`${PATH}/:id`, async (req, reply) => {
    const principal = await deps.authenticate(req);
    if (!principal) return send(reply, 401, outcome('error', 'login', 'Sign in to read the audit trail'));
    const event = await readAuditEvent(deps.audit.db, req.params.id);
    const patient = event?.entity
      ?.find((e) => e.role?.code === '1')
      ?.what?.reference?.slice('Patient/'.length);
    const allowed =
      event && (canSearchAll(principal) || (patient !== undefined && deps.canRead(principal, patient)));
    record(principal, req, allowed ? 200 : 404, patient, [req.params.id]);
    // 404 rather than 403: whether an event exists is itself information
    if (!allowed)
      return send(reply, 404, outcome('error', 'not-found', `AuditEvent/${req.params.id} not found`));
    return send(reply, 200, event);
  });

  const readOnly = async (req: FastifyRequest, reply: FastifyReply) =>
    req.method === 'GET' || req.method === 'HEAD'
      ? send(reply, 404, outcome('error', 'not-found', `No route ${req.method} ${req.url.split('?')[0]}`))
      : send(reply, 405, outcome('error', 'forbidden', 'The audit trail is written by the server only'));
  app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url: PATH, handler: readOnly });
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${PATH}/*`, handler: readOnly });

  app.get('/api/me/access-log', async (req, reply) => {
    const principal = await deps.authenticate(req);
    if (!principal)
      return send(reply, 401, outcome('error', 'login', 'Sign in to see who accessed your record'));
    const own = principal.kind === 'patient' ? principal.fhirUser?.match(/^Patient\/(.+)$/)?.[1] : undefined;
    if (!own)
      return send(reply, 403, outcome('error', 'forbidden', 'Only a patient account has an access log'));
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    // ?patient=<id>: the log of someone this patient acts for (a child, a parent), else theirs
    const asked = query.get('patient') ?? own;
    const patient = asked === own || (await deps.actsFor?.(principal, asked)) ? asked : undefined;
    if (!patient)
      return send(reply, 404, outcome('error', 'not-found', 'No access log of yours for this patient'));
    try {
      const page = await listAccessesToPatient(deps.audit.db, patient, {
        count: Number(query.get('_count')) || 20,
        ...(query.get('_cursor') ? { cursor: query.get('_cursor')! } : {}),
        othersOnly: query.get('others') === '1',
      });
      record(principal, req, 200, patient);
      return reply.send({
        entries: page.events.map((e) => accessLogEntry(e, patient)),
        ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
      });
    } catch (error) {
      return failure(reply, error);
    }
  });
}

function failure(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof FhirError) return send(reply, error.status, error.outcome);
  throw error;
}

function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}${FHIR_BASE_PATH}`;
}

function searchset(base: string, query: URLSearchParams, events: AuditEvent[], next?: string): Bundle {
  const self = new URLSearchParams(query);
  const link: Bundle['link'] = [{ relation: 'self', url: `${base}/AuditEvent?${self}` }];
  if (next) {
    self.set('_cursor', next);
    link.push({ relation: 'next', url: `${base}/AuditEvent?${self}` });
  }
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link,
    entry: events.map((resource) => ({
      fullUrl: `${base}/AuditEvent/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}

/** FHIR date prefixes onto [since, before): ge/gt → since, le/lt → before; a bare day covers the day. */
export function dateBounds(values: string[]): { since?: string; before?: string } {
  const bounds: { since?: string; before?: string } = {};
  for (const raw of values) {
    const [, prefix = 'eq', value] = /^(eq|ge|gt|le|lt)?(.*)$/.exec(raw)!;
    const start = Date.parse(value);
    if (Number.isNaN(start))
      badRequest(`Invalid date "${raw}": use e.g. ge2026-01-31 or lt2026-02-01T08:00:00Z`);
    // the end of the value's precision: the next day for a bare day, the next millisecond otherwise
    const end = new Date(start + (/^\d{4}-\d{2}-\d{2}$/.test(value) ? 86_400_000 : 1)).toISOString();
    if (prefix === 'ge' || prefix === 'eq') bounds.since = new Date(start).toISOString();
    if (prefix === 'gt') bounds.since = end;
    if (prefix === 'lt') bounds.before = new Date(start).toISOString();
    if (prefix === 'le' || prefix === 'eq') bounds.before = end;
  }
  return bounds;
}
