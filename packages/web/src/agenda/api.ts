/** The practitioner's side of booking (packages/server/src/modules/scheduling/routes.ts). */
import type { Appointment, Schedule } from '@medplum/fhirtypes';
import { request } from '../api/http.ts';
import type { WeeklyTemplate } from './template.ts';

export interface MySchedule {
  id: string;
  schedule: Schedule;
  template?: WeeklyTemplate;
}

const enc = encodeURIComponent;

export const mySchedules = async (signal?: AbortSignal) =>
  (await request<{ schedules: MySchedule[] }>('GET', '/api/scheduling/my-schedules', { signal })).body
    .schedules;

export const saveTemplate = async (schedule: string, template: WeeklyTemplate) =>
  (
    await request<{ schedule: Schedule; created: number; removed: number }>(
      'PUT',
      `/api/scheduling/schedules/${enc(schedule)}/template`,
      { body: template },
    )
  ).body;

export const markNoShow = async (id: string) =>
  (await request<Appointment>('POST', `/api/scheduling/appointments/${enc(id)}/no-show`, { body: {} })).body;
