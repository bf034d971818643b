/** Booking (/api/scheduling/*): what the booking screens send. */
import { type Static, Type } from 'typebox';
import { DateTime, Id, ReferenceTo, ShortText } from './common.ts';

export const BookRequest = Type.Object({
  slot: ReferenceTo('Slot'),
  /** For a care-giver or a system booking on a patient's behalf. */
  patient: Type.Optional(ReferenceTo('Patient')),
  reason: Type.Optional(ShortText()),
});
export type BookRequest = Static<typeof BookRequest>;

export const CancelRequest = Type.Object({ reason: Type.Optional(ShortText()) });
export type CancelRequest = Static<typeof CancelRequest>;

export const RescheduleRequest = Type.Object({ slot: ReferenceTo('Slot') });
export type RescheduleRequest = Static<typeof RescheduleRequest>;

export const WaitlistRequest = Type.Object({
  schedule: Id,
  earliest: Type.Optional(DateTime),
  latest: DateTime,
});
export type WaitlistRequest = Static<typeof WaitlistRequest>;

const Weekday = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const Time = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' });
const Session = Type.Object({ day: Weekday, start: Time, end: Time });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const TemplateRequest = Type.Object({
  slotMinutes: Type.Integer({ minimum: 5, maximum: 240 }),
  sessions: Type.Array(Session, { maxItems: 50 }),
  ramadanSessions: Type.Optional(Type.Array(Session, { maxItems: 50 })),
  exceptions: Type.Array(
    Type.Object({
      from: Day,
      to: Day,
      kind: Type.Union([Type.Literal('closed'), Type.Literal('hours')]),
      sessions: Type.Optional(Type.Array(Session, { maxItems: 50 })),
      label: Type.Optional(ShortText(100)),
    }),
    { maxItems: 200 },
  ),
  closedOnHolidays: Type.Optional(Type.Boolean()),
});
export type TemplateRequest = Static<typeof TemplateRequest>;
