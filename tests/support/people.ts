/** Signed-in people for access tests: real accounts, real /auth/login, session cookie + CSRF. */

import { Secret, TOTP } from 'otpauth';
import { secretKeyFrom } from '../../packages/server/src/auth/config.ts';
import { createAccount } from '../../packages/server/src/auth/index.ts';
import type { Role } from '../../packages/server/src/kernel/principal.ts';
import type { TestServer } from './server.ts';

const PASSWORD = 'correct-horse-battery-9';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface Person {
  login: string;
  /** The session cookie (`sahti_session=…`), for flows that need it (OAuth authorize). */
  cookie: string;
  /** A FHIR request as this person (relative to /fhir/R4), with their session. */
  fhir(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** Any request to the server as this person. */
  call(path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any }>;
}

let counter = 0;

export async function signIn(server: TestServer, roles: Role[], fhirUser?: string): Promise<Person> {
  const patient = roles.includes('patient');
  const login = patient ? `T${String(100000 + ++counter)}` : `staff${++counter}@test.sahti.ma`;
  await createAccount(
    server.platform.db,
    {
      kind: patient ? 'patient' : 'staff',
      login,
      password: PASSWORD,
      roles,
      fhirUser,
      displayName: `${roles.join('+')} ${counter}`,
      email: patient ? undefined : login,
      ...(patient ? {} : { totpSecret: TOTP_SECRET }),
    },
    secretKeyFrom(process.env),
  );
  const totp = patient ? undefined : TOTP.generate({ secret: Secret.fromBase32(TOTP_SECRET) });
  const res = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: PASSWORD, ...(totp ? { totp } : {}) }),
  });
  const body = (await res.json()) as { csrfToken?: string };
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith('sahti_session='))
    ?.split(';')[0];
  if (res.status !== 200 || !cookie || !body.csrfToken)
    throw new Error(`login failed: ${res.status} ${JSON.stringify(body)}`);
  const call = async (path: string, init: { method?: string; body?: unknown } = {}) => {
    const r = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        cookie,
        'x-csrf-token': body.csrfToken as string,
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };
  return { login, cookie, call, fhir: (path, init) => call(`/fhir/R4${path}`, init) };
}
