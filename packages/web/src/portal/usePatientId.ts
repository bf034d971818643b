/** The signed-in patient's own Patient id (the portal's area check guarantees there is one). */
import { patientIdOf } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';

export function usePatientId(): string {
  return patientIdOf(useSession().user) ?? '';
}
