/**
 * What an administrator sees of the jobs (JSON): dead letters and their retry, queue depths and
 * counters. Every route asks for a signed-in administrator.
 */
import { FhirError, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/index.ts';
import type { Principal } from '../kernel/principal.ts';
import type { JobRunner } from './types.ts';

/** The principal, if it is an administrator; otherwise 401 (nobody signed in) or 403. */
export async function requireAdministrator(auth: Authenticator, req: FastifyRequest): Promise<Principal> {
  const principal = await auth.authenticate(req);
  if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
  if (!principal.roles.includes('administrator')) {
    throw new FhirError(403, outcome('error', 'forbidden', 'Only administrators may see this'));
  }
  return principal;
}

/** A `limit` query parameter within 1…1000, or the default. */
export function pageLimit(value: unknown, fallback = 100): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new FhirError(400, outcome('error', 'invalid', 'limit must be a whole number from 1 to 1000'));
  }
  return n;
}

export function registerJobAdminRoutes(
  app: FastifyInstance,
  deps: { runner: JobRunner; auth: Authenticator },
) {
  app.get('/api/admin/jobs', async (req) => {
    await requireAdministrator(deps.auth, req);
    const query = req.query as { state?: string; limit?: string; after?: string };
    const state = query.state ?? 'dead';
    if (state !== 'dead') {
      throw new FhirError(400, outcome('error', 'not-supported', 'state must be "dead" (dead letters)'));
    }
    const jobs = await deps.runner.deadJobs({ limit: pageLimit(query.limit), after: query.after });
    return { state, jobs, next: jobs.length > 0 ? jobs[jobs.length - 1].id : null };
  });

  app.get('/api/admin/jobs/stats', async (req) => {
    await requireAdministrator(deps.auth, req);
    return deps.runner.stats();
  });

  app.post('/api/admin/jobs/:id/retry', async (req, reply) => {
    await requireAdministrator(deps.auth, req);
    const { id } = req.params as { id: string };
    if (!(await deps.runner.retryDead(id))) {
      throw new FhirError(404, outcome('error', 'not-found', `No dead letter ${id}`));
    }
    return reply.code(202).send({ id, retried: true });
  });
}
