/**
 * The platform process: Fastify with strict body handling, the FHIR API, and errors that always
 * leave as OperationOutcomes (4xx for the client's mistakes; a bare 500 only for ours).
 */
import { errorResponse, FhirError, type FhirRestHandler, outcome } from '@sahti/fhir';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FhirGate } from './fhir-gate.ts';
import { registerFhirRoutes } from './fhir-routes.ts';
import { type HardeningConfig, registerHardening } from './hardening.ts';
import { readTrustProxy, type TrustProxy } from './kernel/config.ts';
import { send } from './kernel/http.ts';
import { answerValidationError } from './kernel/validation.ts';
import { requestId } from './ops/index.ts';
import { requestLogging } from './ops/request-log.ts';

export interface AppOptions {
  handler: FhirRestHandler;
  gate: FhirGate;
  hardening: HardeningConfig;
  bodyLimit: number;
  logger?: boolean;
  /** Called after each FHIR request that may have written (events are read at once). */
  afterWrite?: () => void;
  /** Proxies whose X-Forwarded-For names the client (request.ip); default: SAHTI_TRUST_PROXY. */
  trustProxy?: TrustProxy;
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // a URL the router cannot even decode still gets an OperationOutcome
    frameworkErrors: (err, _req, reply) =>
      send(reply, 400, outcome('error', 'invalid', `Malformed request: ${err.message}`)),
    bodyLimit: options.bodyLimit,
    // behind a reverse proxy, request.ip is the client named by X-Forwarded-For, not the proxy
    trustProxy: options.trustProxy ?? readTrustProxy(),
    // contracts are checked as written: ["x"] is not the string "x" (no type coercion)
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    genReqId: requestId, // x-request-id: the caller's if it is a safe token, else a UUID (ops/)
    // request logs carry method, route and status — never bodies or query strings with identifiers
    ...(options.logger ? requestLogging() : { logger: false }),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_TYPES, { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, undefined);
    try {
      const parsed: unknown = JSON.parse(body as string);
      // in JSON text a NUL can only be written \u0000: the walk is for the few bodies holding that
      if ((body as string).includes('\\u0000') && holdsNul(parsed)) return done(nulError('body'), undefined);
      done(null, parsed);
    } catch (err) {
      done(
        new FhirError(
          400,
          outcome('error', 'structure', `The body is not valid JSON: ${(err as Error).message}`),
        ),
        undefined,
      );
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.setErrorHandler(
    (
      err: Error & { statusCode?: number; code?: string; validation?: unknown[]; validationContext?: string },
      req,
      reply,
    ) => {
      if (Array.isArray(err.validation))
        return answerValidationError(
          req,
          reply,
          err.validation as Record<string, never>[],
          err.validationContext,
        );
      if (err instanceof FhirError) {
        for (const [name, value] of Object.entries(err.headers)) reply.header(name, value);
        return send(reply, err.status, err.outcome);
      }
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return send(
          reply,
          413,
          outcome('error', 'too-costly', `The body is larger than ${options.bodyLimit} bytes`),
        );
      }
      if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return send(
          reply,
          415,
          outcome(
            'error',
            'not-supported',
            `Send application/fhir+json (got ${req.headers['content-type']})`,
          ),
        );
      }
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return send(reply, err.statusCode, outcome('error', 'invalid', err.message));
      }
      // a module's own transaction lost a race (a unique key, a deadlock) or asked too much of the
      // database: answered as the FHIR API answers it (409 retry, 400 too costly), not as a 500
      const known = errorResponse(err);
      if (known.status < 500) return send(reply, known.status, known.body);
      req.log.error({ err: { message: err.message, stack: err.stack } }, 'unexpected error');
      return send(reply, 500, outcome('fatal', 'exception', 'Internal error; it has been logged'));
    },
  );
  app.setNotFoundHandler((req, reply) =>
    send(reply, 404, outcome('error', 'not-found', `No route ${req.method} ${req.url.split('?')[0]}`)),
  );

  // PostgreSQL refuses U+0000 in text: a NUL anywhere a route may take a value from is the
  // client's mistake, answered 400 here once rather than as a database error in each route
  app.addHook('preValidation', async (req) => {
    const where = nulIn(req.query, req.body, req.headers.authorization);
    if (where) throw nulError(where);
  });

  await registerHardening(app, options.hardening);
  app.get('/healthz', { config: { rateLimit: false } }, async () => ({ status: 'ok' }));
  registerFhirRoutes(app, options.handler, options.gate, options.afterWrite);
  return app;
}

const nulError = (where: string) =>
  new FhirError(400, outcome('error', 'invalid', `The ${where} contains a NUL character (U+0000)`));

/** Where a request carries U+0000, if it does: its query, its form body or its credentials (JSON: the parser). */
function nulIn(query: unknown, body: unknown, authorization: string | undefined): string | undefined {
  if (holdsNul(query)) return 'query string';
  // a form body reaches routes as its text (see the parser above): look at it as they will decode it
  if (typeof body === 'string' && holdsNul([...new URLSearchParams(body)])) return 'body';
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  const credentials = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : (authorization ?? '');
  if (credentials.includes('\0') || formDecoded(credentials).includes('\0')) return 'Authorization header';
  return undefined;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\0') || holdsNul(item));
  return false;
}

/** Basic credentials are form-encoded (RFC 6749 §2.3.1) before base64. */
function formDecoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
