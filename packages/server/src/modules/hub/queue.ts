/** A specialty's queue, most urgent first, then oldest first; service levels per urgency. Pure. */
import type { Task } from '@medplum/fhirtypes';
import { urgencyRank } from './terms.ts';

export const OPEN_STATUSES = ['requested', 'received', 'accepted', 'in-progress'];

export function orderQueue<T extends Pick<Task, 'priority' | 'authoredOn' | 'id'>>(tasks: T[]): T[] {
  return [...tasks].sort(
    (a, b) =>
      urgencyRank(a.priority) - urgencyRank(b.priority) ||
      (a.authoredOn ?? '').localeCompare(b.authoredOn ?? '') ||
      (a.id ?? '').localeCompare(b.id ?? ''),
  );
}

/** Minutes within which a request of each urgency should be answered (operator settings). */
export interface ServiceLevels {
  stat: number;
  asap: number;
  urgent: number;
  routine: number;
}

export function readServiceLevels(env: NodeJS.ProcessEnv = process.env): ServiceLevels {
  const n = (name: string, fallback: number) => {
    const v = Number(env[name] ?? fallback);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number of minutes`);
    return v;
  };
  return {
    stat: n('SAHTI_HUB_SLA_STAT_MINUTES', 30),
    asap: n('SAHTI_HUB_SLA_ASAP_MINUTES', 120),
    urgent: n('SAHTI_HUB_SLA_URGENT_MINUTES', 240),
    routine: n('SAHTI_HUB_SLA_ROUTINE_MINUTES', 2880),
  };
}

export function dueAt(
  task: Pick<Task, 'priority' | 'authoredOn'>,
  levels: ServiceLevels,
): string | undefined {
  if (!task.authoredOn) return undefined;
  const minutes = levels[(task.priority ?? 'routine') as keyof ServiceLevels] ?? levels.routine;
  return new Date(Date.parse(task.authoredOn) + minutes * 60_000).toISOString();
}

/** Median and 90th percentile of a list of minutes (undefined when empty). */
export function percentiles(values: number[]): { median?: number; p90?: number } {
  if (values.length === 0) return {};
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: at(0.5), p90: at(0.9) };
}
