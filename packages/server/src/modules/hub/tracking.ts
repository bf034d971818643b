/**
 * Response times: each tele-expertise Task addressed to a hub specialty is followed in hub_request
 * (a write hook, in the writing transaction): when it was asked (authoredOn, possibly offline in a
 * douar), when it reached the platform, when a specialist accepted it, when it was answered.
 */
import type { Extension, Task } from '@medplum/fhirtypes';
import type { WriteHook } from '@sahti/fhir';
import type { Principal } from '../../kernel/principal.ts';
import { REQUESTING_UNIT_URL, specialtyOfOwner } from './terms.ts';

const ACCEPTED = new Set(['accepted', 'in-progress']);
const CLOSED = new Set(['completed', 'rejected', 'cancelled', 'failed']);

export const requestingUnit = (task: Task) =>
  task.extension?.find((e: Extension) => e.url === REQUESTING_UNIT_URL)?.valueReference?.reference;

export function trackingHook(): WriteHook {
  return (changes, actor) => {
    const tasks = changes.filter(
      (c) => c.resourceType === 'Task' && c.next && specialtyOfOwner((c.next as Task).owner?.reference),
    );
    if (tasks.length === 0) return undefined;
    const by = (actor as Principal | undefined)?.fhirUser ?? null;
    return async (tx) => {
      for (const c of tasks) {
        const t = c.next as Task;
        await tx.query(
          `INSERT INTO hub_request (task_id, specialty, priority, requesting_unit, requester, requested_at, status)
           VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::timestamptz, $7::text)
           ON CONFLICT (task_id) DO UPDATE SET priority = EXCLUDED.priority, status = EXCLUDED.status`,
          [
            c.id,
            specialtyOfOwner(t.owner?.reference),
            t.priority ?? 'routine',
            requestingUnit(t) ?? null,
            t.requester?.reference ?? null,
            t.authoredOn ?? null,
            t.status,
          ],
        );
        if (ACCEPTED.has(t.status))
          await tx.query(
            'UPDATE hub_request SET accepted_at = coalesce(accepted_at, now()) WHERE task_id = $1::text',
            [c.id],
          );
        if (CLOSED.has(t.status))
          await tx.query(
            `UPDATE hub_request SET answered_at = coalesce(answered_at, now()), answered_by = coalesce(answered_by, $2::text),
                    accepted_at = coalesce(accepted_at, now()) WHERE task_id = $1::text`,
            [c.id, by],
          );
      }
    };
  };
}
