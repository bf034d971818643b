/** Logins and logouts as audit events (BALP "Login"/"Logout"), failed attempts included. */

import type { SessionEvent } from '../auth/session-routes.ts';
import type { Principal } from '../kernel/principal.ts';
import type { AuditInput } from './event.ts';

export function sessionAuditInput(event: SessionEvent): AuditInput {
  const a = event.account;
  // an attempt on a login that does not exist is recorded without repeating what was typed
  const principal: Principal = a
    ? {
        kind: a.kind,
        id: a.id,
        roles: a.roles,
        fhirUser: a.fhirUser,
        scopes: [],
        display: a.displayName,
        clientId: 'web',
        address: event.address,
      }
    : {
        kind: 'patient',
        id: 'unknown',
        roles: [],
        scopes: [],
        display: 'unknown account',
        clientId: 'web',
        address: event.address,
      };
  const patient = a?.fhirUser?.startsWith('Patient/') ? [a.fhirUser] : [];
  return {
    principal,
    interaction: event.kind,
    patientIds: patient,
    outcome: event.status,
    address: event.address,
  };
}
