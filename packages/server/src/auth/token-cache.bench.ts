/**
 * Micro-benchmark of the verified-token cache: authenticating one bearer token N times, with the
 * cache off (an ES256 verification each time) and on (one verification, then SHA-256 lookups).
 * Prints a table and the ratio. `node packages/server/src/auth/token-cache.bench.ts [N]`
 */
import type { FastifyRequest } from 'fastify';
import { openDatabase } from '../db/index.ts';
import { createAuthenticator } from './authenticator.ts';
import { readAuthConfig } from './config.ts';
import { authCore } from './core.ts';
import { issueAccessToken } from './tokens.ts';

const n = Number(process.argv[2] ?? 20_000);
const publicUrl = () => 'http://localhost:8080';

/** Microseconds per authenticate() of one bearer token, on a database (and so a cache) of its own. */
async function perCall(tokenCacheSeconds: number): Promise<number> {
  const db = await openDatabase({});
  const config = readAuthConfig({}, { publicUrl, demoMode: false }, { tokenCacheSeconds });
  const auth = createAuthenticator(db, config);
  const { token } = await issueAccessToken(authCore(db, config).keys, config, {
    sub: 'bench',
    kind: 'system',
    scope: 'system/*.rs',
    client_id: 'bench',
    roles: [],
    name: 'bench',
  });
  const request = { method: 'GET', headers: { authorization: `Bearer ${token}` }, ip: '127.0.0.1' };
  const once = () => auth.authenticate(request as unknown as FastifyRequest);
  for (let i = 0; i < 500; i++) await once(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await once();
  const micros = Number(process.hrtime.bigint() - start) / 1000 / n;
  await db.close();
  return micros;
}

const off = await perCall(0);
const on = await perCall(5);
console.log(`authenticate(bearer), ${n} calls, µs per call`);
console.table({
  'cache off (ES256 verification each time)': off.toFixed(1),
  'cache on (5 s)': on.toFixed(1),
});
console.log(`speed-up: ×${(off / on).toFixed(1)}`);
