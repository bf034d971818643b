/** `$validate` (type or instance level): an OperationOutcome for the resource given; nothing is stored or read. */
import type { Resource } from '@medplum/fhirtypes';
import { outcome, shown } from '../../outcome.ts';
import { validationOutcome } from '../../validate.ts';
import { ok } from '../responses.ts';
import type { FhirOperation } from '../types.ts';

export const validateOperation: FhirOperation = {
  name: 'validate',
  levels: ['type', 'instance'],
  methods: ['POST'],
  effect: 'none',
  async run(ctx) {
    const type = ctx.match.resourceType as string;
    const resource = ctx.parameters.resource('resource');
    const record = {
      interaction: 'operation' as const,
      operation: 'validate',
      resourceType: type,
      ids: [],
      patients: [],
      status: 200,
    };
    if (resource && resource.resourceType !== type) {
      return ok(outcome('error', 'invalid', `Expected a ${type}, got ${shown(resource.resourceType)}`), [
        record,
      ]);
    }
    return ok(validationOutcome(resource as Resource | undefined, ctx.store.rules), [record]);
  },
};
