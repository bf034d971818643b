import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_MESSAGE_BYTES, parseClientMessage } from './protocol.ts';

test('client messages are checked before anything is relayed or recorded', () => {
  assert.deepEqual(parseClientMessage('{"type":"chat","text":"  Bonjour  "}'), {
    type: 'chat',
    text: 'Bonjour',
  });
  assert.deepEqual(parseClientMessage('{"type":"mode","mode":"audio"}'), { type: 'mode', mode: 'audio' });
  assert.deepEqual(parseClientMessage('{"type":"signal","data":{"candidate":null}}'), {
    type: 'signal',
    data: { candidate: null },
  });
  assert.equal(parseClientMessage('{"type":"mode","mode":"hologram"}'), 'unknown mode');
  assert.equal(parseClientMessage('{"type":"incident","code":"rm -rf"}'), 'unknown incident');
  assert.equal(parseClientMessage('{"type":"chat","text":"   "}'), 'empty chat message');
  assert.equal(parseClientMessage('nope'), 'not JSON');
  assert.equal(
    parseClientMessage(`{"type":"signal","data":{"x":"${'a'.repeat(MAX_MESSAGE_BYTES)}"}}`),
    'message too large',
  );
  assert.equal(parseClientMessage('{"type":"admin"}'), 'unknown message type');
});
