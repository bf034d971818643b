/** Care relationships opened by hand: emergency access and the patient's presence (/api/break-glass, /api/care/*). */
import { type Static, Type } from 'typebox';
import { ReferenceTo, ShortText } from './common.ts';

export const BreakGlassRequest = Type.Object({
  patient: Type.Optional(ReferenceTo('Patient')),
  /** The CNIE number, when the patient is not known by reference. */
  identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  reason: ShortText(1000),
});
export type BreakGlassRequest = Static<typeof BreakGlassRequest>;

export const PresenceRequest = Type.Object({
  identifier: Type.String({ minLength: 1, maxLength: 200 }),
  organization: Type.Optional(ReferenceTo('Organization')),
});
export type PresenceRequest = Static<typeof PresenceRequest>;

export const PresenceConfirmRequest = Type.Object({
  challenge: Type.String({ minLength: 1, maxLength: 64 }),
  code: Type.String({ maxLength: 16 }),
});
export type PresenceConfirmRequest = Static<typeof PresenceConfirmRequest>;
