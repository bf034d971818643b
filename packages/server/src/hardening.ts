/**
 * HTTP hardening shared by every route: security headers, a CORS allow-list, and a rate limit per
 * client that answers 429 as an OperationOutcome with the standard RateLimit-* headers. The client
 * is the verified principal (`request.principal`, set by the authentication hook of auth/), else
 * the address — never a raw header: a garbage Authorization header or an extra cookie changes
 * nothing, and requests with bad credentials count against their address.
 */
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { addressBucket } from './auth/index.ts';

export interface HardeningConfig {
  /** Origins allowed to call the API from a browser (the web app itself is same-origin). */
  corsOrigins: string[];
  /** Requests per minute per client. */
  rateLimitPerMinute: number;
}

export async function registerHardening(app: FastifyInstance, config: HardeningConfig): Promise<void> {
  // helmet's middleware is built once and applied to every response (as @fastify/helmet did, but
  // that plugin rebuilt it on each request: parsing the policy cost ~30 µs of every request)
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        mediaSrc: ["'self'", 'blob:'],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  await app.register(cors, {
    origin: (origin, done) => done(null, !origin || config.corsOrigins.includes(origin)),
    credentials: true,
    // an OPTIONS without preflight headers falls through to the routes (404/405 OperationOutcome)
    strictPreflight: false,
    exposedHeaders: [
      'ETag',
      'Location',
      'Content-Location',
      'Last-Modified',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
    ],
  });
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    enableDraftSpec: true,
    // a route-level onRequest hook, so it runs after the authentication hook (an app-level one)
    // whatever the order of registration, and before the body is read
    hook: 'onRequest',
    keyGenerator: clientKey,
    errorResponseBuilder: (_req, context) =>
      new FhirError(
        429,
        outcome(
          'error',
          'throttled',
          `Too many requests: at most ${context.max} a minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
        ),
      ),
  });
}

/** The caller as the rate limiter sees it: who authentication says it is, else where it comes from. */
export function clientKey(req: FastifyRequest): string {
  const principal = req.principal;
  return principal ? `${principal.kind}:${principal.id}` : `ip:${addressBucket(req.ip)}`;
}
