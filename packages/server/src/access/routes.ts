/**
 * HTTP routes of the access layer (JSON, for the clinician workspace and the patient portal):
 *   POST /api/break-glass                 {patient | identifier, reason}
 *   POST /api/care/presence               {identifier, organization?}  → a code goes to the patient
 *   POST /api/care/presence/confirm       {challenge, code}            → a relationship opens
 *   GET  /api/care/relations?patient=…    who may see this record and why (the patient, administrators)
 */
import { BreakGlassRequest, PresenceConfirmRequest, PresenceRequest } from '@sahti/contracts';
import { FhirError, type FhirStore, outcome } from '@sahti/fhir';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/index.ts';
import type { Authenticator } from '../auth/index.ts';
import { send } from '../kernel/http.ts';
import type { Principal } from '../kernel/principal.ts';
import { assertMayBreakGlass, breakGlass, emergencyPatientRef } from './break-glass.ts';
import type { AccessLayer } from './layer.ts';
import { registerMeRoutes } from './me-routes.ts';
import { askPresence, confirmPresence } from './relations/presence.ts';
import { relationsOfPatient } from './relations/store.ts';

export interface AccessRouteDeps {
  store: FhirStore;
  auth: Authenticator;
  audit: AuditLog;
  access: AccessLayer;
}

export function registerAccessRoutes(app: FastifyInstance, deps: AccessRouteDeps): void {
  const who = async (req: FastifyRequest): Promise<Principal> => {
    const principal = await deps.auth.authenticate(req);
    if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
    return { ...principal, address: req.ip };
  };
  const failed = (reply: FastifyReply, err: unknown, record: (status: number) => void): FastifyReply => {
    if (!(err instanceof FhirError)) throw err;
    record(err.status);
    return send(reply, err.status, err.outcome);
  };

  registerMeRoutes(app, deps);

  app.post('/api/break-glass', { schema: { body: BreakGlassRequest } }, async (req, reply) => {
    const principal = await who(req);
    const body = (req.body ?? {}) as { patient?: unknown; identifier?: unknown; reason?: unknown };
    try {
      assertMayBreakGlass(principal); // before looking anyone up by identifier
      const patient = await emergencyPatientRef(deps.store, body);
      const grant = await breakGlass(deps.store, deps.access.relations, principal, patient, body.reason);
      deps.access.careViews.invalidate();
      deps.audit.record({
        principal,
        interaction: 'break-glass',
        resourceType: 'Patient',
        ids: [grant.patient],
        patientIds: [grant.patient],
        outcome: 201,
        breakGlassReason: grant.reason,
      });
      return reply.code(201).send(grant);
    } catch (err) {
      const patient = typeof body.patient === 'string' ? [body.patient] : [];
      return failed(reply, err, (status) =>
        deps.audit.record({
          principal,
          interaction: 'break-glass',
          resourceType: 'Patient',
          ids: patient,
          patientIds: patient,
          outcome: status,
        }),
      );
    }
  });

  app.post('/api/care/presence', { schema: { body: PresenceRequest } }, async (req, reply) => {
    const principal = await who(req);
    try {
      const body = (req.body ?? {}) as { identifier?: unknown; organization?: unknown };
      const { patientId, ...challenge } = await askPresence(deps.store, principal, body, {
        hours: deps.access.settings.presenceHours,
        codeMinutes: deps.access.settings.presenceCodeMinutes,
      });
      deps.audit.record({
        principal,
        interaction: 'operation',
        resourceType: 'Patient',
        ids: [],
        patientIds: [patientId],
        outcome: 202,
        outcomeDesc: 'presence code sent to the patient',
      });
      return reply.code(202).send(challenge);
    } catch (err) {
      return failed(reply, err, (status) =>
        deps.audit.record({
          principal,
          interaction: 'operation',
          resourceType: 'Patient',
          ids: [],
          patientIds: [],
          outcome: status,
        }),
      );
    }
  });

  app.post('/api/care/presence/confirm', { schema: { body: PresenceConfirmRequest } }, async (req, reply) => {
    const principal = await who(req);
    try {
      const relation = await confirmPresence(
        deps.store.db,
        deps.access.relations,
        principal,
        (req.body ?? {}) as { challenge?: unknown; code?: unknown },
        { hours: deps.access.settings.presenceHours, codeMinutes: deps.access.settings.presenceCodeMinutes },
      );
      deps.access.careViews.invalidate();
      return reply.code(201).send({
        patient: `Patient/${relation.patientId}`,
        actor: relation.actor,
        source: relation.source,
        start: relation.start.toISOString(),
        end: relation.end?.toISOString(),
      });
    } catch (err) {
      return failed(reply, err, (status) =>
        deps.audit.record({
          principal,
          interaction: 'care-relation-start',
          resourceType: 'Patient',
          ids: [],
          patientIds: [],
          outcome: status,
        }),
      );
    }
  });

  app.get('/api/care/relations', async (req, reply) => {
    const principal = await who(req);
    const patient = String((req.query as { patient?: unknown }).patient ?? '').replace(/^Patient\//, '');
    const own = principal.fhirUser === `Patient/${patient}`;
    if (!patient || !(own || principal.roles.includes('administrator'))) {
      return send(
        reply,
        403,
        outcome('error', 'forbidden', 'Only the patient (or an administrator) sees who may read this record'),
      );
    }
    const relations = await relationsOfPatient(deps.store.db, patient);
    deps.audit.record({
      principal,
      interaction: 'search',
      resourceType: 'Patient',
      ids: [],
      patientIds: [patient],
      outcome: 200,
    });
    return reply.send({
      patient: `Patient/${patient}`,
      relations: relations.map((r) => ({
        actor: r.actor,
        source: r.source,
        basis: r.basis?.includes('/') && /^[A-Z]/.test(r.basis) ? r.basis : undefined,
        grantedBy: r.grantedBy,
        start: r.start.toISOString(),
        end: r.end?.toISOString(),
        endReason: r.endReason,
        active: r.start.getTime() <= Date.now() && (!r.end || r.end.getTime() > Date.now()),
      })),
    });
  });
}
