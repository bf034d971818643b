/**
 * Reads and writes of the records service made *as the caller*: through the engine with the
 * caller's own access (role, care relationships, consent, delegation), each audited like a request
 * to /fhir/R4. Nothing here widens what anybody may see.
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FhirError, type FhirResponse, outcome } from '@sahti/fhir';
import { auditInputsForFhir } from '../../audit/fhir-request.ts';
import type { ModuleContext } from '../../kernel/module.ts';
import type { Principal } from '../../kernel/principal.ts';

export class CallerFhir {
  private readonly ctx: ModuleContext;
  private readonly principal: Principal;

  constructor(ctx: ModuleContext, principal: Principal) {
    this.ctx = ctx;
    this.principal = principal;
  }

  async run(
    method: string,
    path: string,
    query: [string, string][] = [],
    body?: unknown,
  ): Promise<FhirResponse> {
    const res = await this.ctx.fhir.handle({
      method,
      path,
      query,
      headers: {},
      ...(body === undefined ? {} : { body }),
      access: await this.ctx.access.resolve(this.principal),
    });
    this.ctx.audit.recordRequest(auditInputsForFhir(this.principal, res));
    this.ctx.access.afterResponse(res);
    return res;
  }

  /** A resource the caller may read, or a 404 FhirError (hidden and unknown alike). */
  async read<T extends Resource>(type: string, id: string): Promise<T> {
    const res = await this.run('GET', `/${type}/${id}`);
    if (res.status !== 200)
      throw new FhirError(
        res.status === 410 ? 410 : 404,
        outcome('error', 'not-found', `${type}/${id} is not known`),
      );
    return res.body as T;
  }

  /** The matches of a search (first page, up to `count`). */
  async search<T extends Resource>(type: string, params: [string, string][], count = 500): Promise<T[]> {
    const res = await this.run('GET', `/${type}`, [...params, ['_count', String(count)]]);
    if (res.status !== 200)
      throw new FhirError(res.status, (res.body as never) ?? outcome('error', 'exception', 'search failed'));
    return ((res.body as Bundle).entry ?? [])
      .filter((e) => e.search?.mode !== 'include' && e.resource?.resourceType === type)
      .map((e) => e.resource as T);
  }
}
