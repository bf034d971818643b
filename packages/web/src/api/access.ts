/**
 * The small JSON endpoints beside FHIR: a patient's own access log, and break-the-glass.
 */
import type { BreakGlassRequest } from '@sahti/contracts';
import { request } from './http.ts';

/** One line of "who accessed my record" (packages/server/src/audit/access-log.ts). */
export interface AccessLogEntry {
  id?: string;
  when: string;
  who: string | { display: string; reference?: string; roles?: string[]; self?: boolean };
  role?: string;
  /** OAuth client used ('web' for the portal); for a system client, the actor itself. */
  client?: string;
  action?: string;
  interaction?: string;
  what?: string[];
  purpose?: string | { code: string; display?: string };
  breakGlass: boolean;
  breakGlassReason?: string;
  outcome?: 'success' | 'failure';
}

export interface AccessLogPage {
  entries: AccessLogEntry[];
  nextCursor?: string;
}

/**
 * Who accessed a record: the signed-in patient's own, or (`patient`) of someone they act for;
 * `othersOnly` leaves out the patient's own visits (the server filters, so a page is full of others).
 */
export async function accessLog(
  cursor?: string,
  patient?: string,
  othersOnly = false,
): Promise<AccessLogPage> {
  const query = new URLSearchParams({
    _count: '20',
    ...(cursor ? { _cursor: cursor } : {}),
    ...(patient ? { patient } : {}),
    ...(othersOnly ? { others: '1' } : {}),
  });
  const { body } = await request<AccessLogPage | AccessLogEntry[]>('GET', `/api/me/access-log?${query}`);
  // the first sketch of the contract was a bare list
  return Array.isArray(body) ? { entries: body } : body;
}

export interface BreakGlassGrant {
  id: string;
  patient: string;
  reason: string;
  grantedAt: string;
  expiresAt: string;
}

export async function breakGlass(patient: string, reason: string): Promise<BreakGlassGrant> {
  return (
    await request<BreakGlassGrant>('POST', '/api/break-glass', {
      body: { patient, reason } satisfies BreakGlassRequest,
    })
  ).body;
}
