/**
 * `POST [Patient|Practitioner|Organization]/{id}/$change-identifier`: an administrator (or a
 * system client allowed to update the type) corrects an identity number — a CNIE keyed wrongly at
 * registration, say — with a stated reason. The record itself stays out of the administrator's
 * sight; the change is one new version, checked for uniqueness, and audited on the patient.
 *   Parameters: system (uri), value (string), reason (string, ≥ 10 characters)
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError, type FhirOperation, notFound, outcome } from '@sahti/fhir';
import type { Principal } from '../kernel/principal.ts';
import { scopePermits } from './smart.ts';

const TYPES = ['Patient', 'Practitioner', 'Organization'];

export const changeIdentifierOperation: FhirOperation = {
  name: 'change-identifier',
  levels: ['instance'],
  resourceTypes: TYPES,
  methods: ['POST'],
  // decided here: the role matrix would refuse administrators any Patient write
  effect: 'none',
  async run(ctx) {
    const type = ctx.match.resourceType as string;
    const id = ctx.match.id as string;
    const principal = ctx.access?.actor as Principal | undefined;
    const allowed =
      !ctx.access ||
      (principal?.kind === 'system' && scopePermits(principal, type, 'update')) ||
      (principal?.kind === 'staff' && principal.roles.includes('administrator'));
    if (!allowed) {
      throw new FhirError(
        403,
        outcome(
          'error',
          'forbidden',
          'Only an administrator or an authorised system changes identity numbers',
        ),
      );
    }
    const system = ctx.parameters.get('system');
    const value = ctx.parameters.get('value')?.trim();
    const reason = ctx.parameters.get('reason')?.trim();
    if (!system || !value) badRequest('Give the identifier system and its new value', ['system', 'value']);
    if (!reason || reason.length < 10)
      badRequest('Give the reason for the change (at least 10 characters)', ['reason']);
    const found = await ctx.platformStore.locate(type, id);
    if (!found || found.deleted) notFound(`${type}/${id} does not exist`);
    const current = JSON.parse(found!.content as string) as Resource & { identifier?: Identifier[] };
    const identifier = [
      ...(current.identifier ?? []).filter((i) => i.system !== system),
      { system, value } as Identifier,
    ];
    const { meta: _meta, ...rest } = current;
    const result = await ctx.platformStore.update(
      type,
      id,
      { ...rest, identifier },
      `W/"${found!.versionId}"`,
    );
    return {
      status: 200,
      headers: {},
      body: outcome('information', 'informational', `${type}/${id}: ${system} is now ${value}`),
      audit: [
        {
          interaction: 'operation',
          operation: 'change-identifier',
          resourceType: type,
          ids: [`${type}/${id}/_history/${result.resource.meta?.versionId}`],
          patients: result.patients,
          status: 200,
          outcome: `identity number changed: ${reason!.slice(0, 150)}`,
        },
      ],
    };
  },
};
