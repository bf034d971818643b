import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationOutcome } from '@medplum/fhirtypes';
import {
  draftOf,
  draftProblems,
  exceptionField,
  exceptionTimeField,
  refusedFields,
  rowsOf,
  sessionField,
  templateFrom,
  type WeeklyTemplate,
} from './template.ts';

const template: WeeklyTemplate = {
  slotMinutes: 30,
  sessions: [
    { day: 'mon', start: '14:30', end: '18:00' },
    { day: 'mon', start: '09:00', end: '12:30' },
    { day: 'sat', start: '09:00', end: '12:00' },
  ],
  ramadanSessions: [{ day: 'mon', start: '10:00', end: '15:00' }],
  exceptions: [
    { from: '2026-12-21', to: '2026-12-31', kind: 'closed', label: 'Congé annuel' },
    {
      from: '2027-01-05',
      to: '2027-01-05',
      kind: 'hours',
      sessions: [{ day: 'tue', start: '08:00', end: '10:00' }],
    },
  ],
  closedOnHolidays: true,
};

const refusal = (...expressions: string[][]): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  issue: expressions.map((expression) => ({ severity: 'error', code: 'invalid', expression })),
});

describe('the weekly-template editor', () => {
  it('edits a template as rows and gives the same template back', () => {
    const draft = draftOf(template);
    assert.deepEqual(
      rowsOf(draft.sessions, 'mon').map((r) => `${r.start}-${r.end}`),
      ['09:00-12:30', '14:30-18:00'],
    );
    assert.ok(draft.ramadan);
    const { template: back } = templateFrom(draft);
    const byTime = (a: { day: string; start: string }, b: { day: string; start: string }) =>
      `${a.day}${a.start}`.localeCompare(`${b.day}${b.start}`);
    assert.deepEqual([...back.sessions].sort(byTime), [...template.sessions].sort(byTime));
    assert.deepEqual(back.ramadanSessions, template.ramadanSessions);
    assert.deepEqual(back.exceptions[0], template.exceptions[0]);
    // special hours apply to every day of their period
    assert.equal(back.exceptions[1].sessions?.length, 7);
    assert.ok(back.exceptions[1].sessions?.every((s) => s.start === '08:00' && s.end === '10:00'));
  });

  it('starts a practitioner without a template from a usual week, and drops Ramadan hours when unticked', () => {
    const draft = draftOf(undefined);
    assert.equal(draft.sessions.length, 10);
    assert.equal(rowsOf(draft.sessions, 'sun').length, 0);
    const withRamadan = { ...draftOf(template), ramadan: false };
    assert.equal(templateFrom(withRamadan).template.ramadanSessions, undefined);
  });

  it('checks only that numbers, times and dates are typed; the rules are the server’s', () => {
    const draft = draftOf(template);
    assert.deepEqual(draftProblems(draft), []);
    // 300 minutes and a session ending before it starts are the server's to refuse
    const odd = {
      ...draft,
      slotMinutes: '300',
      sessions: [{ ...draft.sessions[0], start: '18:00', end: '09:00' }],
    };
    assert.deepEqual(draftProblems(odd), []);
    const bad = {
      ...draft,
      slotMinutes: 'vingt',
      sessions: [{ ...draft.sessions[0], end: '' }],
      exceptions: [{ ...draft.exceptions[1], to: '', start: '' }],
    };
    assert.deepEqual(draftProblems(bad), [
      { field: 'slotMinutes', key: 'slotMinutes' },
      { field: sessionField(bad.sessions[0]), key: 'sessionTimes' },
      { field: exceptionField(bad.exceptions[0]), key: 'exceptionDates' },
      { field: exceptionTimeField(bad.exceptions[0]), key: 'exceptionTimes' },
    ]);
  });

  it('puts the server’s refusals on the rows they name', () => {
    const draft = draftOf(template);
    const { paths } = templateFrom(draft);
    const blamed = refusedFields(
      refusal(
        ['slotMinutes'],
        ['sessions[2]'],
        ['sessions[1].day'],
        ['exceptions[1].sessions[3]'],
        ['exceptions[0]'],
      ),
      paths,
    );
    assert.deepEqual(blamed, [
      { field: 'slotMinutes', key: 'slotMinutes' },
      { field: sessionField(draft.sessions[2]), key: 'sessionTimes' },
      { field: sessionField(draft.sessions[1]), key: 'sessionTimes' },
      { field: exceptionTimeField(draft.exceptions[1]), key: 'exceptionTimes' },
      { field: exceptionField(draft.exceptions[0]), key: 'exceptionDates' },
    ]);
  });

  it('leaves to the general message what no field wrote', () => {
    const { paths } = templateFrom(draftOf(template));
    assert.deepEqual(refusedFields(refusal(['Schedule'], ['somethingNew[0].x']), paths), []);
    assert.deepEqual(refusedFields(undefined, paths), []);
  });
});
