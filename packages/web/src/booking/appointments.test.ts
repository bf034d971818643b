import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Appointment } from '@medplum/fhirtypes';
import { ApiError } from '../api/errors.ts';
import type { WaitlistEntry } from './api.ts';
import {
  changeable,
  isVideo,
  openEntries,
  participantId,
  refusalOf,
  slotOf,
  splitAppointments,
} from './appointments.ts';

const now = new Date('2026-12-01T10:00:00Z');
const appointment = (
  id: string,
  status: Appointment['status'],
  start: string,
  video = false,
): Appointment => ({
  resourceType: 'Appointment',
  id,
  status,
  start,
  end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
  slot: [{ reference: `Slot/s-${id}` }],
  participant: [
    { actor: { reference: 'Patient/p1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/dr7' }, status: 'accepted' },
  ],
  appointmentType: {
    coding: [
      { system: 'https://sahti.ma/fhir/CodeSystem/consultation-mode', code: video ? 'video' : 'in-person' },
    ],
  },
});

describe('my appointments', () => {
  it('puts active future ones first (soonest first), and past, cancelled and missed ones after (latest first)', () => {
    const { upcoming, past } = splitAppointments(
      [
        appointment('later', 'booked', '2026-12-09T09:00:00Z'),
        appointment('cancelled', 'cancelled', '2026-12-05T09:00:00Z'),
        appointment('soon', 'booked', '2026-12-02T09:00:00Z'),
        appointment('now', 'booked', '2026-12-01T09:45:00Z'), // ends 10:15: still coming
        appointment('done', 'fulfilled', '2026-11-20T09:00:00Z'),
        appointment('missed', 'noshow', '2026-11-25T09:00:00Z'),
      ],
      now,
    );
    assert.deepEqual(
      upcoming.map((a) => a.id),
      ['now', 'soon', 'later'],
    );
    assert.deepEqual(
      past.map((a) => a.id),
      ['cancelled', 'missed', 'done'],
    );
  });

  it('offers cancel and move only before the start of a booked appointment', () => {
    assert.ok(changeable(appointment('a', 'booked', '2026-12-01T11:00:00Z'), now));
    assert.ok(!changeable(appointment('b', 'booked', '2026-12-01T09:45:00Z'), now));
    assert.ok(!changeable(appointment('c', 'cancelled', '2026-12-02T11:00:00Z'), now));
  });

  it('reads the mode, the practitioner and the slot', () => {
    const a = appointment('v', 'booked', '2026-12-02T18:00:00Z', true);
    assert.ok(isVideo(a) && !isVideo(appointment('p', 'booked', '2026-12-02T18:00:00Z')));
    assert.equal(participantId(a, 'Practitioner'), 'dr7');
    assert.equal(participantId(a, 'Location'), undefined);
    assert.equal(slotOf(a), 's-v');
  });
});

describe('refusals', () => {
  const refused = (code: string, status = 409) =>
    new ApiError(status, {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'conflict',
          diagnostics: 'Less than 12 h before the appointment',
          details: { coding: [{ system: 'https://sahti.ma/fhir/CodeSystem/booking-refusal', code }] },
        },
      ],
    });
  it('knows the cut-off, a slot just taken, a slot too soon, a no-show before the start', () => {
    assert.equal(refusalOf(refused('cutoff')), 'cutoff');
    assert.equal(refusalOf(refused('taken')), 'taken');
    assert.equal(refusalOf(refused('too-soon')), 'too-soon');
    assert.equal(refusalOf(refused('not-started')), 'not-started');
  });
  it('says nothing of other failures', () => {
    assert.equal(refusalOf(refused('something-new')), undefined);
    assert.equal(refusalOf(refused('cutoff', 400)), undefined);
    assert.equal(refusalOf(new TypeError('offline')), undefined);
  });
});

describe('the waiting list', () => {
  const entry = (id: string, over: Partial<WaitlistEntry>): WaitlistEntry => ({
    id,
    schedule_id: 'sch',
    earliest: '2026-12-01T00:00:00Z',
    latest: '2026-12-20T00:00:00Z',
    created_at: `2026-11-2${id.length}T00:00:00Z`,
    offered_slot: null,
    offered_until: null,
    offered_start: null,
    offered_end: null,
    closed_at: null,
    close_reason: null,
    ...over,
  });
  it('shows open entries, a held offer first; an expired hold is no offer', () => {
    const list = openEntries(
      [
        entry('a', {}),
        entry('bb', { offered_slot: 'x', offered_until: '2026-12-01T10:30:00Z' }),
        entry('ccc', { offered_slot: 'y', offered_until: '2026-12-01T09:30:00Z' }),
        entry('dddd', { closed_at: '2026-11-30T00:00:00Z', close_reason: 'booked' }),
      ],
      now,
    );
    assert.deepEqual(
      list.map((e) => [e.id, e.held]),
      [
        ['bb', true],
        ['a', false],
        ['ccc', false],
      ],
    );
  });
});
