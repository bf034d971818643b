/** Administrators' JSON view of notification delivery: lists, attempts, retry, backlog. */
import { FhirError, outcome, type SqlExecutor } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/index.ts';
import { pageLimit, requireAdministrator } from '../jobs/index.ts';
import {
  listNotifications,
  notificationWithAttempts,
  outboxBacklog,
  requeueNotification,
  STATUSES,
} from './admin.ts';
import type { NotificationDispatcher } from './dispatcher.ts';
import type { NotificationStatus } from './outbox.ts';

export function registerNotificationAdminRoutes(
  app: FastifyInstance,
  deps: { dispatcher: NotificationDispatcher; auth: Authenticator; db: SqlExecutor },
): void {
  app.get('/api/admin/notifications', async (req) => {
    await requireAdministrator(deps.auth, req);
    const query = req.query as { status?: string; limit?: string; before?: string };
    if (query.status !== undefined && !STATUSES.includes(query.status as NotificationStatus)) {
      throw new FhirError(400, outcome('error', 'invalid', `status must be one of ${STATUSES.join(', ')}`));
    }
    const notifications = await listNotifications(deps.db, {
      status: query.status as NotificationStatus | undefined,
      limit: pageLimit(query.limit),
      before: query.before,
    });
    return { notifications, next: notifications.at(-1)?.id ?? null };
  });

  app.get('/api/admin/notifications/backlog', async (req) => {
    await requireAdministrator(deps.auth, req);
    return { channels: deps.dispatcher.channels, backlog: await outboxBacklog(deps.db) };
  });

  app.get('/api/admin/notifications/:id', async (req) => {
    await requireAdministrator(deps.auth, req);
    const { id } = req.params as { id: string };
    const found = await notificationWithAttempts(deps.db, id);
    if (!found) throw new FhirError(404, outcome('error', 'not-found', `No notification ${id}`));
    return found;
  });

  app.post('/api/admin/notifications/:id/retry', async (req, reply) => {
    await requireAdministrator(deps.auth, req);
    const { id } = req.params as { id: string };
    const result = await requeueNotification(deps.db, id);
    if (result === 'not-found')
      throw new FhirError(404, outcome('error', 'not-found', `No notification ${id}`));
    if (result === 'not-failed') {
      throw new FhirError(
        409,
        outcome('error', 'conflict', 'Only a failed or expired notification can be retried'),
      );
    }
    deps.dispatcher.nudge();
    return reply.code(202).send({ id, status: 'pending' });
  });
}
