/**
 * The gate in front of the FHIR API: who is asking (auth), what they may do (access), and the
 * record of what they did (audit). Only the CapabilityStatement is public.
 */
import {
  FhirError,
  type FhirRequest,
  type FhirResponse,
  outcome,
  type RequestAccess,
  type SqlExecutor,
} from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { resolveAccess } from './access/index.ts';
import { auditInputForFhir } from './audit/fhir-request.ts';
import type { AuditLog } from './audit/index.ts';
import type { Authenticator } from './auth/index.ts';

export interface GateDecision {
  access?: RequestAccess;
  /** Called with the response: records the access. */
  done(res: FhirResponse): void;
}

export type FhirGate = (req: FastifyRequest, fhirRequest: FhirRequest) => Promise<GateDecision>;

export function createFhirGate(deps: { db: SqlExecutor; auth: Authenticator; audit: AuditLog }): FhirGate {
  return async (req, fhirRequest) => {
    const authenticated = await deps.auth.authenticate(req);
    if (!authenticated) {
      throw new FhirError(
        401,
        outcome('error', 'login', 'Sign in, or send a bearer token (see /.well-known/smart-configuration)'),
        {
          'www-authenticate': 'Bearer realm="sahti"',
        },
      );
    }
    const principal = { ...authenticated, address: req.ip };
    const access = await resolveAccess(deps.db, principal);
    return { access, done: (res) => deps.audit.record(auditInputForFhir(principal, fhirRequest, res)) };
  };
}

/** Benchmarks only (SAHTI_ACCESS_CONTROL=off): no authentication, no restriction, no audit. */
export const openGate: FhirGate = async () => ({ done: () => undefined });
