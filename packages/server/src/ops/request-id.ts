/**
 * Request ids: one per request, in every log line of it (Fastify's `reqId`), in the `x-request-id`
 * response header and in every OperationOutcome the server sends, so a user's error report leads
 * to the log lines of that request. An id coming from a proxy (`x-request-id`) is kept only when it
 * is a short safe token — never anything that could forge a log line or carry personal data at
 * length; otherwise a UUID is generated.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Extension on OperationOutcome carrying the request id (valueString). */
export const REQUEST_ID_EXTENSION = 'https://sahti.ma/fhir/StructureDefinition/request-id';

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Fastify's `genReqId`: the caller's id when it is a safe token of at most 64 characters, else a UUID. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/** Outcomes are small; bigger JSON bodies (bundles) are never parsed again on the way out. */
const LARGEST_OUTCOME = 64 * 1024;

/** The header on every response, and the id inside every OperationOutcome body. */
export function registerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header(REQUEST_ID_HEADER, req.id); // also on replies sent before onRequest ran (framework errors)
    return typeof payload === 'string' ? withRequestId(payload, req.id) : payload;
  });
}

/** The serialized body with the request id added when it is an OperationOutcome; otherwise unchanged. */
export function withRequestId(payload: string, id: string): string {
  if (payload.length > LARGEST_OUTCOME || !payload.includes('"OperationOutcome"')) return payload;
  let body: { resourceType?: unknown; id?: unknown; extension?: unknown };
  try {
    body = JSON.parse(payload);
  } catch {
    return payload;
  }
  if (body === null || typeof body !== 'object' || body.resourceType !== 'OperationOutcome') return payload;
  // an OperationOutcome stored as a resource (it has an id) is sent back as it was written
  if ('id' in body && body.id !== undefined) return payload;
  const extension = Array.isArray(body.extension) ? body.extension : [];
  return JSON.stringify({
    ...body,
    extension: [...extension, { url: REQUEST_ID_EXTENSION, valueString: id }],
  });
}
