import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlExecutor, WriteChange } from '@sahti/fhir';
import { FIELD_RECORD_SYSTEM } from '../terms.ts';
import { fieldRecordHook } from './hooks.ts';

const change = (resourceType: string, next: Record<string, unknown>): WriteChange =>
  ({ resourceType, id: 'x1', next: { resourceType, id: 'x1', ...next } }) as unknown as WriteChange;

describe('the field-record write hook', () => {
  it('claims a device-made identifier, whether a resource holds a list of them or a single one', async () => {
    const claimed: unknown[][] = [];
    const tx = {
      query: async (_sql: string, params: unknown[]) => {
        claimed.push(params);
        return { rows: [{ value: 'rec-1' }] };
      },
    } as unknown as SqlExecutor;
    const listed = fieldRecordHook()(
      [change('Observation', { identifier: [{ system: FIELD_RECORD_SYSTEM, value: 'rec-1' }] })],
      undefined,
    );
    await listed?.(tx);
    // a QuestionnaireResponse holds one Identifier, not a list: no crash, and it is claimed too
    const single = fieldRecordHook()(
      [change('QuestionnaireResponse', { identifier: { system: FIELD_RECORD_SYSTEM, value: 'rec-1' } })],
      undefined,
    );
    await single?.(tx);
    assert.deepEqual(claimed, [
      [['rec-1'], ['Observation'], ['x1']],
      [['rec-1'], ['QuestionnaireResponse'], ['x1']],
    ]);
    const other = fieldRecordHook()(
      [change('QuestionnaireResponse', { identifier: { system: 'https://example.org/ids', value: 'a' } })],
      undefined,
    );
    assert.equal(other, undefined);
  });
});
