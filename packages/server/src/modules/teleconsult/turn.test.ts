import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { readTeleconsultSettings } from './settings.ts';
import { iceConfiguration, turnCredential } from './turn.ts';

test('a TURN credential is expiry:user with the HMAC-SHA1 of that username, as coturn checks it', () => {
  const now = Date.UTC(2026, 0, 1, 10, 0, 0);
  const c = turnCredential('s3cret', 'appt-1.patient', 3600, now);
  assert.equal(c.username, `${now / 1000 + 3600}:appt-1.patient`);
  assert.equal(c.credential, createHmac('sha1', 's3cret').update(c.username).digest('base64'));
  assert.equal(c.expiresAt, new Date(now + 3600_000).toISOString());
  // another secret gives another password: nothing static to copy
  assert.notEqual(turnCredential('other', 'appt-1.patient', 3600, now).credential, c.credential);
});

test('the ICE configuration carries TURN only with credentials, STUN without, and the policy', () => {
  const settings = readTeleconsultSettings({
    SAHTI_TURN_URLS: 'turn:127.0.0.1:3478?transport=udp, turn:127.0.0.1:3478?transport=tcp',
    SAHTI_TURN_SECRET: 'k',
    SAHTI_STUN_URLS: 'stun:127.0.0.1:3478',
    SAHTI_ICE_POLICY: 'relay',
  });
  const ice = iceConfiguration(settings, 'u');
  assert.equal(ice.iceTransportPolicy, 'relay');
  assert.deepEqual(ice.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
  assert.equal(ice.iceServers[1].urls.length, 2);
  assert.match(ice.iceServers[1].username ?? '', /^\d+:u$/);
  assert.ok(ice.expiresAt);
  assert.deepEqual(iceConfiguration(readTeleconsultSettings({}), 'u').iceServers, []);
});

test('settings refuse a TURN server without its secret, and non-TURN URLs', () => {
  assert.throws(() => readTeleconsultSettings({ SAHTI_TURN_URLS: 'turn:x:3478' }), /SAHTI_TURN_SECRET/);
  assert.throws(
    () => readTeleconsultSettings({ SAHTI_TURN_URLS: 'http://x', SAHTI_TURN_SECRET: 'k' }),
    /turn:/,
  );
  assert.throws(() => readTeleconsultSettings({ SAHTI_ICE_POLICY: 'none' }), /SAHTI_ICE_POLICY/);
});
