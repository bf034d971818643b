/**
 * A video consultation for teleconsultation and prescription tests: a patient, the booked doctor,
 * a third doctor, and an Appointment (status booked, consultation-mode video) written by the
 * test's system client as the booking service would — which opens the doctor's care relationship.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { type Person, signIn } from './people.ts';
import { fhirFetch, type TestServer } from './server.ts';

export const MODE_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';

export interface ConsultationWorld {
  patientId: string;
  doctorId: string;
  otherDoctorId: string;
  patient: Person;
  doctor: Person;
  otherDoctor: Person;
}

export async function seedConsultationWorld(server: TestServer): Promise<ConsultationWorld> {
  const tag = randomBytes(3).toString('hex');
  const patientId = `tc-p-${tag}`;
  const doctorId = `tc-d-${tag}`;
  const otherDoctorId = `tc-o-${tag}`;
  const resources = [
    {
      resourceType: 'Patient',
      id: patientId,
      name: [{ family: 'Amrani', given: ['Salma'] }],
      birthDate: '1986-04-12',
      telecom: [{ system: 'email', value: `${patientId}@example.test` }],
    },
    {
      resourceType: 'Practitioner',
      id: doctorId,
      identifier: [
        {
          system: 'https://sahti.ma/fhir/NamingSystem/inpe',
          value: `1${String(parseInt(tag, 16)).padStart(8, '0').slice(0, 8)}`,
        },
      ],
      name: [{ prefix: ['Dr'], family: 'Benjelloun', given: ['Youssef'] }],
    },
    {
      resourceType: 'Practitioner',
      id: otherDoctorId,
      name: [{ prefix: ['Dr'], family: 'Chraibi', given: ['Hind'] }],
    },
  ];
  for (const r of resources) {
    const res = await fhirFetch(server.fhirBase, `/${r.resourceType}/${r.id}`, { method: 'PUT', body: r });
    assert.ok(res.status < 300, JSON.stringify(res.body).slice(0, 300));
  }
  return {
    patientId,
    doctorId,
    otherDoctorId,
    patient: await signIn(server, ['patient'], `Patient/${patientId}`),
    doctor: await signIn(server, ['doctor'], `Practitioner/${doctorId}`),
    otherDoctor: await signIn(server, ['doctor'], `Practitioner/${otherDoctorId}`),
  };
}

/** A booked video (or in-person) consultation starting `startInMinutes` from now. */
export async function bookConsultation(
  server: TestServer,
  world: ConsultationWorld,
  options: { mode?: 'video' | 'in-person'; startInMinutes?: number } = {},
): Promise<string> {
  const start = new Date(Date.now() + (options.startInMinutes ?? 0) * 60_000);
  const res = await fhirFetch(server.fhirBase, '/Appointment', {
    method: 'POST',
    body: {
      resourceType: 'Appointment',
      status: 'booked',
      appointmentType: { coding: [{ system: MODE_SYSTEM, code: options.mode ?? 'video' }] },
      start: start.toISOString(),
      end: new Date(start.getTime() + 20 * 60_000).toISOString(),
      participant: [
        { actor: { reference: `Patient/${world.patientId}` }, status: 'accepted' },
        { actor: { reference: `Practitioner/${world.doctorId}` }, status: 'accepted' },
      ],
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body).slice(0, 300));
  return res.body.id as string;
}

/** The session's CSRF token (GET /auth/me), for requests `Person.call` cannot make (raw bodies). */
export async function csrfOf(server: TestServer, person: Person): Promise<string> {
  const res = await fetch(`${server.url}/auth/me`, { headers: { cookie: person.cookie } });
  return ((await res.json()) as { csrfToken: string }).csrfToken;
}

export async function rawCall(
  server: TestServer,
  person: Person,
  path: string,
  init: { method?: string; body?: Uint8Array; contentType?: string } = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      cookie: person.cookie,
      'x-csrf-token': await csrfOf(server, person),
      ...(init.contentType ? { 'content-type': init.contentType } : {}),
    },
    body: init.body ? new Blob([new Uint8Array(init.body)]) : undefined,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, bytes, json };
}

export interface TestSocket {
  messages: any[];
  socket: WebSocket;
  next(type: string, timeoutMs?: number): Promise<any>;
  send(message: object): void;
  close(): Promise<void>;
}

/** Opens a WebSocket as a person; resolves once open, or rejects with the refusal's HTTP status. */
export function openSocket(
  server: TestServer,
  person: Person | undefined,
  path: string,
  headers: Record<string, string> = {},
): Promise<TestSocket> {
  const url = `${server.url.replace(/^http/, 'ws')}${path}`;
  const socket = new WebSocket(url, {
    headers: { ...(person ? { cookie: person.cookie } : {}), ...headers },
  });
  const messages: any[] = [];
  const waiters: { type: string; resolve(m: any): void }[] = [];
  socket.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.type === m.type) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        messages,
        socket,
        next(type, timeoutMs = 5000) {
          const seen = messages.findIndex((m) => m.type === type);
          if (seen >= 0) return Promise.resolve(messages.splice(seen, 1)[0]);
          return new Promise((done, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no ${type} message within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              type,
              resolve: (m) => {
                clearTimeout(timer);
                messages.splice(messages.indexOf(m), 1);
                done(m);
              },
            });
          });
        },
        send: (message) => socket.send(JSON.stringify(message)),
        close: () =>
          new Promise<void>((done) => {
            if (socket.readyState === WebSocket.CLOSED) return done();
            socket.once('close', () => done());
            socket.close();
          }),
      }),
    );
  });
}
