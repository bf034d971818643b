/**
 * What the booking screens read, through the data layer: the terms (specialties, languages), the
 * directory search, one schedule's card and its free times, the waiting list. Each names the
 * resource types it is made of, so a booking or a live event of those types refreshes it.
 */
import { useDataQuery } from '../data/index.ts';
import { freeTimes, scheduleCard, searchDirectory, terms, waitlist } from './api.ts';
import { directoryParams, type FindQuery } from './find.ts';

export function useTerms() {
  return useDataQuery({ types: [], key: ['scheduling-terms'], load: terms });
}

export function useDirectory(q: FindQuery, enabled: boolean) {
  const params = directoryParams(q);
  return useDataQuery({
    types: ['Schedule', 'Slot', 'Practitioner', 'PractitionerRole', 'Location'],
    key: ['directory', params],
    load: (signal) => searchDirectory(params, signal),
    enabled,
  });
}

export function useScheduleCard(schedule: string | undefined) {
  return useDataQuery({
    types: ['Schedule', 'Slot', 'Practitioner', 'PractitionerRole', 'Location'],
    key: ['schedule-card', schedule],
    load: (signal) => scheduleCard(schedule ?? '', signal),
    enabled: Boolean(schedule),
  });
}

export function useFreeTimes(schedule: string | undefined, start: string, end: string) {
  return useDataQuery({
    types: ['Slot'],
    key: ['free-times', schedule, start, end],
    load: (signal) => freeTimes(schedule ?? '', start, end, signal),
    enabled: Boolean(schedule),
  });
}

export function useWaitlist() {
  return useDataQuery({ types: ['Slot', 'Appointment'], key: ['waitlist'], load: waitlist });
}
