/** What every HTTP route of the platform shares: answering in FHIR JSON, and refusing as an OperationOutcome. */
import { fhirJson, outcome } from '@sahti/fhir';
import type { FastifyReply } from 'fastify';
import { streamedBody } from './json-pieces.ts';

export const FHIR_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

export function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  reply.code(status);
  if (body === undefined || status === 304) return reply.send();
  // a large Bundle goes entry by entry (json-pieces.ts), anything else as one string; a stored
  // resource's text (StoredJson) is written as it is
  return reply.type(FHIR_CONTENT_TYPE).send(streamedBody(body) ?? fhirJson(body));
}

/** A refusal a client can act on: the status and an OperationOutcome saying why. */
export function refuse(
  reply: FastifyReply,
  status: number,
  code: Parameters<typeof outcome>[1],
  text: string,
  expression?: string[],
): FastifyReply {
  return send(reply, status, outcome('error', code, text, expression));
}
