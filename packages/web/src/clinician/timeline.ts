/**
 * A patient's history as one list, newest first: encounters (with the measurements taken during
 * them), measurements outside any encounter, and diagnoses. Pure.
 */
import type { Condition, Encounter, Observation } from '@medplum/fhirtypes';
import { observationDate } from '../fhir/observation.ts';

export type TimelineItem =
  | { kind: 'encounter'; date: string; encounter: Encounter; observations: Observation[] }
  | { kind: 'observation'; date: string; observation: Observation }
  | { kind: 'condition'; date: string; condition: Condition };

export function timelineOf(input: {
  encounters: Encounter[];
  observations: Observation[];
  conditions: Condition[];
}): TimelineItem[] {
  const byEncounter = new Map<string, Observation[]>();
  const loose: Observation[] = [];
  const encounterIds = new Set(input.encounters.map((e) => `Encounter/${e.id}`));
  for (const observation of input.observations) {
    const ref = observation.encounter?.reference;
    if (ref && encounterIds.has(ref)) {
      const list = byEncounter.get(ref) ?? [];
      list.push(observation);
      byEncounter.set(ref, list);
    } else loose.push(observation);
  }
  const items: TimelineItem[] = [];
  for (const encounter of input.encounters) {
    const date = encounter.period?.start ?? encounter.period?.end;
    if (date) {
      items.push({
        kind: 'encounter',
        date,
        encounter,
        observations: byEncounter.get(`Encounter/${encounter.id}`) ?? [],
      });
    }
  }
  for (const observation of loose) {
    const date = observationDate(observation);
    if (date) items.push({ kind: 'observation', date, observation });
  }
  for (const condition of input.conditions) {
    const date = condition.onsetDateTime ?? condition.recordedDate;
    if (date) items.push({ kind: 'condition', date, condition });
  }
  return items.sort((a, b) => Date.parse(b.date) - Date.parse(a.date));
}
