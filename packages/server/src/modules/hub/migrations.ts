/** Tables of the tele-expertise hub (range 2150–2199 of the units service). */
import type { Migration } from '@sahti/fhir';

export const HUB_MIGRATIONS: Migration[] = [
  {
    version: 2150,
    name: 'hub: response times of tele-expertise requests',
    sql: `
      CREATE TABLE IF NOT EXISTS hub_request (
        task_id text PRIMARY KEY,
        specialty text NOT NULL,
        priority text NOT NULL,
        requesting_unit text,
        requester text,
        requested_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now(),
        accepted_at timestamptz,
        answered_at timestamptz,
        answered_by text,
        status text NOT NULL
      );
      CREATE INDEX IF NOT EXISTS hub_request_unit ON hub_request (requesting_unit, answered_at);
    `,
  },
];
