/**
 * Who is asking, and FHIR requests made as them: through the engine with their access (read scope,
 * write guard) and recorded in the audit trail like any request to /fhir/R4.
 */
import { FhirError, type FhirRequest, type FhirResponse, outcome } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal, Role } from '../../kernel/principal.ts';

export async function who(ctx: ModuleContext, req: FastifyRequest): Promise<Principal> {
  const principal = await ctx.auth.authenticate(req);
  if (!principal) throw new FhirError(401, outcome('error', 'login', 'Sign in first'));
  return { ...principal, address: req.ip };
}

export function requireRole(principal: Principal, roles: Role[], what: string): void {
  if (principal.kind !== 'staff' || !principal.roles.some((r) => roles.includes(r)))
    throw new FhirError(403, outcome('error', 'forbidden', `Only ${roles.join(' or ')} may ${what}`));
}

export async function asCaller(
  ctx: ModuleContext,
  principal: Principal,
  request: Omit<FhirRequest, 'access' | 'query' | 'headers'> &
    Partial<Pick<FhirRequest, 'query' | 'headers'>>,
): Promise<FhirResponse> {
  const res = await ctx.fhir.handle({
    query: [],
    headers: {},
    ...request,
    access: await ctx.access.resolve(principal),
  } as FhirRequest);
  ctx.audit.recordRequest(auditInputsForFhir(principal, res));
  ctx.access.afterResponse(res);
  return res;
}

export const notFound = (text: string): FhirError => new FhirError(404, outcome('error', 'not-found', text));

/** Field problems (pure checks) as one 400 OperationOutcome naming each field. */
export function invalid(problems: { field: string; message: string }[]): FhirError {
  return new FhirError(400, {
    resourceType: 'OperationOutcome',
    issue: problems.map((p) => ({
      severity: 'error',
      code: 'invalid',
      diagnostics: p.message,
      details: { text: p.message },
      expression: [p.field],
    })),
  });
}
