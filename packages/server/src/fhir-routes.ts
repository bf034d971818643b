/** Mounts the framework-free FHIR REST handler on Fastify under /fhir/R4. */
import { type FhirRequest, type FhirResponse, type FhirRestHandler, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FHIR_BASE_PATH } from './config.ts';
import type { FhirGate } from './fhir-gate.ts';

export const FHIR_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

export function registerFhirRoutes(app: FastifyInstance, handler: FhirRestHandler, gate: FhirGate): void {
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
    const res = await handler.handle({ ...fhirRequest, access: decision.access });
    decision.done(res);
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

export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  reply.code(status);
  if (body === undefined || status === 304) return reply.send();
  return reply.type(FHIR_CONTENT_TYPE).send(JSON.stringify(body));
}

function acceptsJson(accept: string | undefined, query: [string, string][]): boolean {
  const format = query.find(([k]) => k === '_format')?.[1];
  if (format && !/json/.test(format)) return false;
  if (!accept) return true;
  return /json|\*\/\*|application\/\*/.test(accept);
}
