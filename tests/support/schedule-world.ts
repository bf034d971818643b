/** What the booking suites build their practitioners' schedules from: a template and a system PUT. */
import assert from 'node:assert/strict';
import type { WeeklyTemplate } from '../../packages/server/src/modules/scheduling/template.ts';
import { fhirFetch, type TestServer } from './server.ts';

/** Half-hour slots all day, every day, holidays included: a slot is always free soon. */
export const EVERY_DAY: WeeklyTemplate = {
  slotMinutes: 30,
  sessions: (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({
    day,
    start: '00:00',
    end: '23:30',
  })),
  exceptions: [],
  closedOnHolidays: false,
};

/** PUT as the test's system client; fails the test on anything but success. */
export async function putResource(server: TestServer, r: Record<string, unknown>) {
  const res = await fhirFetch(server.fhirBase, `/${r.resourceType}/${r.id}`, { method: 'PUT', body: r });
  assert.ok(res.status < 300, JSON.stringify(res.body).slice(0, 300));
  return res.body;
}
