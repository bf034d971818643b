/**
 * A validation worker (pool.ts): resources in, their outcomes out, with the platform's rules (the
 * pool is used only when the store has exactly those). Loads the R4 definitions once.
 */
import { parentPort } from 'node:worker_threads';
import { loadDefinitions, validationOutcome } from '@sahti/fhir';
import { moroccanIdentifierRule } from '../identifiers/morocco.ts';

export interface ValidationRequest {
  id: number;
  resources: unknown[];
}

loadDefinitions();
parentPort?.on('message', ({ id, resources }: ValidationRequest) => {
  parentPort?.postMessage({
    id,
    outcomes: resources.map((r) => validationOutcome(r, [moroccanIdentifierRule])),
  });
});
