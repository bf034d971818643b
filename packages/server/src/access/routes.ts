/** HTTP routes of the access layer: break-the-glass (JSON, for the clinician workspace). */
import { FhirError, type FhirStore, outcome } from '@sahti/fhir';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import type { Authenticator } from '../auth/index.ts';
import { send } from '../fhir-routes.ts';
import { assertMayBreakGlass, breakGlass, emergencyPatientRef } from './break-glass.ts';

export interface AccessRouteDeps {
  store: FhirStore;
  auth: Authenticator;
  audit: AuditLog;
}

export function registerAccessRoutes(app: FastifyInstance, deps: AccessRouteDeps): void {
  app.post('/api/break-glass', async (req, reply) => {
    const principal = await deps.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    const body = (req.body ?? {}) as { patient?: unknown; identifier?: unknown; reason?: unknown };
    const who = { ...principal, address: req.ip };
    try {
      assertMayBreakGlass(who); // before looking anyone up by identifier
      const patient = await emergencyPatientRef(deps.store, body);
      const grant = await breakGlass(deps.store, who, patient, body.reason);
      deps.audit.record({
        principal: who,
        interaction: 'break-glass',
        resourceType: 'Patient',
        ids: [grant.patient],
        patientIds: [grant.patient],
        outcome: 201,
        breakGlassReason: grant.reason,
      });
      return reply.code(201).send(grant);
    } catch (err) {
      if (err instanceof FhirError) {
        const patient = typeof body.patient === 'string' ? [body.patient] : [];
        deps.audit.record({
          principal: who,
          interaction: 'break-glass',
          resourceType: 'Patient',
          ids: patient,
          patientIds: patient,
          outcome: err.status,
        });
        return send(reply, err.status, err.outcome);
      }
      throw err;
    }
  });
}
