/** Shared shapes of the auth endpoints: RFC 6749-style errors, JSON body fields, no caching. */
import type { AuthErrorCode, OAuthErrorCode } from '@sahti/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * `{ error, error_description }` (RFC 6749 §5.2), never cached. The code comes from the catalogue
 * (contracts/src/errors.ts), which the web app translates; the description is for developers.
 */
export function refuse(
  reply: FastifyReply,
  status: number,
  error: AuthErrorCode | OAuthErrorCode,
  description: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error, error_description: description, ...extra });
}

export function ok(reply: FastifyReply, status: number, body?: unknown): FastifyReply {
  reply.code(status).header('cache-control', 'no-store');
  return body === undefined ? reply.send() : reply.send(body);
}

/** A string field of a JSON body, or undefined. */
export function field(request: FastifyRequest, name: string): string | undefined {
  const body = request.body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
