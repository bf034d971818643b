/**
 * Who may read /metrics. Metrics carry no personal data, but they describe the platform's load and
 * health, so they are not public: a scraper on the same machine reads them freely; anyone else
 * must present the bearer token of SAHTI_METRICS_TOKEN. A request relayed by a reverse proxy on the
 * same machine arrives from loopback too, so a request carrying forwarding headers never counts as
 * local.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export type MetricsAccess = 'allowed' | 'needs-token' | 'local-only';

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'];

export function metricsAccess(req: FastifyRequest, token: string | undefined): MetricsAccess {
  const proxied = FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined);
  if (!proxied && LOOPBACK.test(req.socket.remoteAddress ?? '')) return 'allowed';
  if (!token) return 'local-only';
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match && sameSecret(match[1], token) ? 'allowed' : 'needs-token';
}

/** Compares digests so that neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
