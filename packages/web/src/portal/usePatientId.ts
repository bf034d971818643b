/**
 * The patient whose record the portal shows: the signed-in patient's own, or the person they act
 * for (a child, a parent) when they chose to (acting-for.ts).
 */
import { patientIdOf } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';
import { useActingFor } from './acting-for.ts';

export function usePatientId(): string {
  const own = patientIdOf(useSession().user) ?? '';
  const actingFor = useActingFor();
  return actingFor && actingFor !== own ? actingFor : own;
}

/** The signed-in patient's own Patient id. */
export function useOwnPatientId(): string {
  return patientIdOf(useSession().user) ?? '';
}
