/** Mounts the framework-free FHIR REST handler on Fastify under /fhir/R4. */
import {
  type AccessRecord,
  type FhirRequest,
  type FhirResponse,
  type FhirRestHandler,
  outcome,
} from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FhirGate } from './fhir-gate.ts';
import { FHIR_BASE_PATH } from './kernel/config.ts';
import { send } from './kernel/http.ts';

export function registerFhirRoutes(
  app: FastifyInstance,
  handler: FhirRestHandler,
  gate: FhirGate,
  afterWrite?: () => void,
): void {
  const route = async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const rawUrl = req.raw.url ?? '';
    const q = rawUrl.indexOf('?');
    const path = (q >= 0 ? rawUrl.slice(0, q) : rawUrl).slice(FHIR_BASE_PATH.length) || '/';
    const query = [...new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '')];
    if (!acceptsJson(req.headers.accept, query)) {
      return send(
        reply,
        406,
        outcome('error', 'not-supported', 'Only JSON is served: application/fhir+json'),
      );
    }
    let body = req.body;
    if (req.method === 'POST' && path.endsWith('/_search')) {
      // POST _search: form parameters join those of the URL
      if (typeof body === 'string') query.push(...new URLSearchParams(body));
      body = undefined;
    }
    const fhirRequest: FhirRequest = {
      method: req.method,
      path,
      query: query.filter(([k]) => k !== '_format'),
      headers: req.headers as Record<string, string | undefined>,
      body,
    };
    if (path === '/metadata' && req.method === 'GET')
      return respond(reply, await handler.handle(fhirRequest));
    const decision = await gate(req, fhirRequest);
    let res: FhirResponse | undefined;
    try {
      // the answer goes to send() (fhirJson): a search page may keep its resources as stored text
      res = await handler.handle({ ...fhirRequest, access: decision.access, textBodies: true });
    } finally {
      // recorded whatever happened: a request that threw is audited as the failure it was
      decision.done(res ?? { status: 500, headers: {}, audit: [failedRequestRecord(fhirRequest)] });
    }
    if (res.error) req.log.error({ err: errorFields(res.error) }, 'unexpected error in the FHIR engine');
    if (req.method !== 'GET' && res.status < 400) afterWrite?.();
    return respond(reply, res);
  };
  const respond = (reply: FastifyReply, res: FhirResponse): FastifyReply => {
    for (const [name, value] of Object.entries(res.headers)) if (value) reply.header(name, value);
    return send(reply, res.status, res.body);
  };
  app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: FHIR_BASE_PATH, handler: route });
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: `${FHIR_BASE_PATH}/*`,
    handler: route,
  });
}

function failedRequestRecord(req: FhirRequest): AccessRecord {
  const [type, id] = req.path.split('/').filter(Boolean);
  const resourceType = /^[A-Z][A-Za-z]+$/.test(type ?? '') ? type : undefined;
  return {
    interaction: req.method === 'GET' ? (id ? 'read' : 'search') : 'operation',
    ...(resourceType ? { resourceType } : {}),
    ids: resourceType && id && /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? [`${resourceType}/${id}`] : [],
    patients: resourceType === 'Patient' && id && /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? [id] : [],
    status: 500,
  };
}

function errorFields(err: unknown): { message?: string; stack?: string } {
  return err instanceof Error ? { message: err.message, stack: err.stack } : { message: String(err) };
}

function acceptsJson(accept: string | undefined, query: [string, string][]): boolean {
  const format = query.find(([k]) => k === '_format')?.[1];
  if (format && !/json/.test(format)) return false;
  if (!accept) return true;
  return /json|\*\/\*|application\/\*/.test(accept);
}
