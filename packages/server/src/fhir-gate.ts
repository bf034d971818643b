/**
 * The gate in front of the FHIR API: who is asking (auth), what they may do (access), and the
 * record of what they did (audit) — written from the engine's own report of each request and
 * bundle entry, failures included. Only the CapabilityStatement is public.
 */
import { FhirError, type FhirRequest, type FhirResponse, outcome, type RequestAccess } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import type { AccessLayer } from './access/layer.ts';
import { auditInputsForFhir } from './audit/fhir-request.ts';
import type { AuditLog } from './audit/index.ts';
import type { Authenticator } from './auth/index.ts';
import { principalKey, type ReadRouting } from './db/replicas/index.ts';

export interface GateDecision {
  access?: RequestAccess;
  /** Called with the response, whatever it is: records the access. */
  done(res: FhirResponse): void;
}

export type FhirGate = (req: FastifyRequest, fhirRequest: FhirRequest) => Promise<GateDecision>;

export function createFhirGate(deps: {
  auth: Authenticator;
  audit: AuditLog;
  access: AccessLayer;
  /** Streaming replicas: the reads that may lag go where this sends them (read-your-writes kept). */
  replicas?: ReadRouting;
}): FhirGate {
  return async (req) => {
    const authenticated = await deps.auth.authenticate(req);
    if (!authenticated) {
      throw new FhirError(
        401,
        outcome('error', 'login', 'Sign in, or send a bearer token (see /.well-known/smart-configuration)'),
        { 'www-authenticate': 'Bearer realm="sahti"' },
      );
    }
    const principal = { ...authenticated, address: req.ip };
    // the decision itself reads the primary: care relationships written a moment ago count
    const resolved = await deps.access.resolve(principal);
    const access = deps.replicas
      ? { ...resolved, reads: deps.replicas.readerFor(principalKey(principal)) }
      : resolved;
    return {
      access,
      done: (res) => {
        deps.audit.recordRequest(auditInputsForFhir(principal, res));
        deps.access.afterResponse(res);
      },
    };
  };
}

/**
 * Benchmarks only (SAHTI_ACCESS_CONTROL=off): no authentication, no restriction, no audit — and no
 * principal whose writes replica reads could keep track of, so every read goes to the primary.
 */
export const openGate: FhirGate = async () => ({ done: () => undefined });
