/**
 * The signed-in patient's own Patient id: a booking, a cancellation or a waiting list is always the
 * account holder's own (the server refuses a patient booking for someone else), even while the
 * portal shows a relative's record.
 */
import { patientIdOf } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';

export function useOwnPatientId(): string {
  return patientIdOf(useSession().user) ?? '';
}
