/**
 * A prepare worker (prepare-pool.ts): staged lines in, prepared lines out. Loads the R4 definitions
 * once; checks with the platform's deployment rule (the pool uses workers only when the store has
 * exactly that rule).
 */
import { parentPort } from 'node:worker_threads';
import { loadDefinitions } from '@sahti/fhir';
import { moroccanIdentifierRule } from '../../identifiers/morocco.ts';
import { type PreparedLine, prepareLine, type StagedLine } from './prepare.ts';

export interface PrepareRequest {
  rows: StagedLine[];
  now: string;
}

loadDefinitions();
parentPort?.on('message', (request: PrepareRequest) => {
  const prepared: PreparedLine[] = request.rows.map((row) =>
    prepareLine(row, [moroccanIdentifierRule], request.now),
  );
  parentPort?.postMessage(prepared);
});
