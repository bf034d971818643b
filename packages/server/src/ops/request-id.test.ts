import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requestId, withRequestId } from './request-id.ts';

describe('request ids', () => {
  const incoming = (value?: string) =>
    ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as never;

  it('keep a short safe token and replace anything else by a UUID', () => {
    assert.equal(requestId(incoming('edge-42:a.b_c')), 'edge-42:a.b_c');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(65), '-x', 'a\nb', '<script>']) {
      assert.match(requestId(incoming(bad)), /^[0-9a-f-]{36}$/, String(bad));
    }
  });

  it('are added to OperationOutcomes only, keeping their extensions', () => {
    const outcome = JSON.stringify({
      resourceType: 'OperationOutcome',
      extension: [{ url: 'x', valueString: 'y' }],
      issue: [{ severity: 'error', code: 'invalid' }],
    });
    assert.deepEqual(JSON.parse(withRequestId(outcome, 'r1')).extension, [
      { url: 'x', valueString: 'y' },
      { url: 'https://sahti.ma/fhir/StructureDefinition/request-id', valueString: 'r1' },
    ]);
    const bundle = JSON.stringify({
      resourceType: 'Bundle',
      entry: [{ resource: { resourceType: 'OperationOutcome' } }],
    });
    assert.equal(withRequestId(bundle, 'r1'), bundle);
    assert.equal(withRequestId('not json "OperationOutcome"', 'r1'), 'not json "OperationOutcome"');
  });

  it('leave a stored OperationOutcome (one with an id) as it was written', () => {
    const stored = JSON.stringify({ resourceType: 'OperationOutcome', id: 'allok', issue: [] });
    assert.equal(withRequestId(stored, 'r1'), stored);
  });
});
