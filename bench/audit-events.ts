/**
 * `node bench/audit-events.ts`: the server's CPU per access for the AuditEvents it records — built,
 * written as canonical JSON and chained by hash (what the audit writer does before its INSERT) —
 * for a read (one patient) and a care-giver's page of 20 patients (BALP's 20 events; stored as one since
 * migration 1105, each patient's read from it). Two ways, in
 * the same run: each event built and canonicalised on its own, and as the writer does — events on
 * contexts shared over accesses, split into their stored form with a memo per batch (writer.ts,
 * stored-form.ts). Then a transaction of 1,000 creates, per entry, the same two ways. The baseline
 * is JSON.stringify of the same events. No database.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { canonicalJson, chainHash, GENESIS } from '../packages/server/src/audit/chain.ts';
import { PURPOSE } from '../packages/server/src/audit/codes.ts';
import {
  type AuditInput,
  buildAuditEvent,
  buildAuditEvents,
  perPatient,
} from '../packages/server/src/audit/event.ts';
import { storedForm } from '../packages/server/src/audit/stored-form.ts';
import { lab as fixtureLab } from '../packages/server/src/audit/test-fixture.ts';
import type { Principal } from '../packages/server/src/kernel/principal.ts';

const ROUNDS = 4;
const ACCESSES = 2_000;

const doctor: Principal = {
  kind: 'staff',
  id: 'acc-0197a1c2-doc',
  roles: ['doctor'],
  fhirUser: 'Practitioner/0197a1c2-1111-7000-8000-000000000001',
  scopes: ['user/*.read'],
  display: 'Dr Karima Alami',
  clientId: 'web',
  address: '196.200.1.9',
};
const patientId = (i: number) => `0197a1c2-2222-7000-8000-${String(i).padStart(12, '0')}`;

function access(n: number, k: number): AuditInput {
  const ids = Array.from({ length: n }, (_, i) => patientId(k * n + i));
  return n === 1
    ? {
        principal: doctor,
        interaction: 'read',
        resourceType: 'Observation',
        ids: [`0197a1c2-3333-7000-8000-${String(k).padStart(12, '0')}`],
        patientIds: ids,
        outcome: 200,
        purposeOfUse: PURPOSE.treatment,
      }
    : {
        principal: doctor,
        interaction: 'search',
        resourceType: 'Patient',
        ids,
        patientIds: ids,
        query: `Patient?general-practitioner=${doctor.fhirUser}&_count=20&_offset=${k * 20}`,
        outcome: 200,
        purposeOfUse: PURPOSE.treatment,
      };
}

/** Runs over prepared accesses; returns the events handled. */
type Way = (inputs: AuditInput[]) => number;

/** Each event on its own: perPatient, a full build each, canonical JSON without a memo. */
const separate: Way = (inputs) => {
  let hash = GENESIS;
  let seq = 0;
  for (const input of inputs) {
    for (const one of perPatient(input)) {
      const event = buildAuditEvent(one);
      hash = chainHash(hash, canonicalJson(event), ++seq, event.recorded);
    }
  }
  return seq;
};

/**
 * As the writer does: the events built on shared contexts (event.ts buildAuditEvents: one per
 * principal, client, address, interaction and outcome, over accesses; one event per access, a page's
 * patients' events read from it: migration 1105), then, with a memo and the
 * contexts' digests per batch of 500 events (the writer's batch), split into their stored form and
 * hashed whole (stored-form.ts).
 */
const shared: Way = (inputs) => {
  let hash = GENESIS;
  let seq = 0;
  let memo = new Map<object, string>();
  let digests = new Map<string, string>();
  for (const input of inputs)
    for (const event of buildAuditEvents(input)) {
      if (seq % 500 === 0) {
        memo = new Map();
        digests = new Map();
      }
      hash = chainHash(hash, storedForm(event, memo, digests).whole, ++seq, event.recorded);
    }
  return seq;
};

/**
 * Median µs per input over `rounds`, each after a warm-up pass; `timed` runs on what `prepare` made
 * of the inputs `make` gives for one instant.
 */
function time<T>(
  make: (recorded: string) => AuditInput[],
  prepare: (inputs: AuditInput[]) => T,
  timed: (prepared: T) => unknown,
  rounds = ROUNDS,
): number {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const inputs = make(new Date(Date.UTC(2026, 11, 4, 3, 0, r)).toISOString());
    const prepared = prepare(inputs);
    timed(prepared);
    const t0 = performance.now();
    timed(prepared);
    samples.push(((performance.now() - t0) * 1000) / inputs.length);
  }
  samples.sort((a, b) => a - b);
  return (samples[rounds / 2 - 1] + samples[rounds / 2]) / 2;
}

const asBuilt = (inputs: AuditInput[]) => inputs.map((input) => buildAuditEvents(input));
const stringifyAll = (events: AuditEvent[][]) => {
  for (const list of events) for (const e of list) JSON.stringify(e);
};

const lines = [
  '| access | patients | JSON.stringify (baseline) µs | each event on its own µs | shared contexts + memo, stored form µs | shared ÷ own | shared ÷ baseline |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
for (const [name, n] of [
  ['read Observation (1 patient)', 1],
  ['search Patient, a page of 20', 20],
] as const) {
  const accesses = (recorded: string) =>
    Array.from({ length: ACCESSES }, (_, k) => ({ ...access(n, k), recorded }));
  const base = time(accesses, asBuilt, stringifyAll);
  const own = time(accesses, (inputs) => inputs, separate);
  const both = time(accesses, (inputs) => inputs, shared);
  lines.push(
    `| ${name} | ${n} | ${base.toFixed(1)} | ${own.toFixed(1)} | ${both.toFixed(1)} | ${(both / own).toFixed(2)} | ${(both / base).toFixed(1)}× |`,
  );
}

// a transaction of 1,000 creates by a system client: 1,000 accesses of one request, recorded at
// one instant; per event, each access's events on their own skeleton (record() per entry, as the
// gate did) against one request's skeletons shared (recordRequest)
const lab: Principal = { ...fixtureLab, address: '196.200.1.10' };
const ENTRIES = 1_000;
const creates = (recorded: string): AuditInput[] =>
  Array.from({ length: ENTRIES }, (_, i) => ({
    principal: lab,
    interaction: 'create',
    resourceType: 'Observation',
    ids: [`0197a1c2-4444-7000-8000-${String(i).padStart(12, '0')}`],
    patientIds: [patientId(i)],
    outcome: 201,
    recorded,
  }));
const bundleBase = time(creates, asBuilt, stringifyAll, ROUNDS * 2);
const bundleOwn = time(creates, (inputs) => inputs, separate, ROUNDS * 2);
const bundleShared = time(creates, (inputs) => inputs, shared, ROUNDS * 2);
lines.push(
  '',
  `| a transaction of ${ENTRIES.toLocaleString('en')} creates, per entry | 1 | ${bundleBase.toFixed(1)} | ${bundleOwn.toFixed(1)} (each on its own) | ${bundleShared.toFixed(1)} (shared contexts) | ${(bundleShared / bundleOwn).toFixed(2)} | ${(bundleShared / bundleBase).toFixed(1)}× |`,
);
process.stdout.write(`${lines.join('\n')}\n`);
