/**
 * A request body or query that does not match its route's schema (packages/contracts) is refused
 * with 400, saying which field and how: as an OperationOutcome with one issue per field on /api/*,
 * as an RFC 6749 error (`invalid_request`, plus `fields`) on /auth/* and /oauth2/*, which speak
 * OAuth's error format. Nothing has run: the route's handler never saw the request.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { send } from './http.ts';

interface SchemaError {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The field an error names: `slot`, `sessions[0].start`, or the missing property. */
function fieldOf(e: SchemaError): string {
  const path = (e.instancePath ?? '')
    .split('/')
    .filter(Boolean)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const missing = typeof e.params?.missingProperty === 'string' ? e.params.missingProperty : undefined;
  return [path, missing].filter(Boolean).join('.') || '(body)';
}

function messageOf(e: SchemaError, field: string): string {
  if (e.params?.missingProperty) return `${field} is required`;
  if (e.params?.additionalProperty)
    return `${String(e.params.additionalProperty)} is not a field of this request`;
  return `${field} ${e.message ?? 'is not valid'}`;
}

export function answerValidationError(
  req: FastifyRequest,
  reply: FastifyReply,
  errors: SchemaError[],
  context: string | undefined,
): FastifyReply {
  const issues = errors.map((e) => {
    const field = fieldOf(e);
    return { field, message: messageOf(e, field) };
  });
  const path = req.url.split('?')[0];
  if (path.startsWith('/auth/') || path.startsWith('/oauth2/')) {
    return reply
      .code(400)
      .header('cache-control', 'no-store')
      .send({
        error: 'invalid_request',
        error_description: issues.map((i) => i.message).join('; '),
        fields: issues.map((i) => i.field),
      });
  }
  return send(reply, 400, {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: `${context === 'querystring' ? 'In the query: ' : ''}${i.message}`,
      details: { text: i.message },
      expression: [i.field],
    })),
  });
}
