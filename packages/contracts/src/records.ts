/** Clinical documentation and the patient's copy (/api/records/*). */
import { type Static, Type } from 'typebox';
import { DateTime, ReferenceTo, ShortText } from './common.ts';

const Text = (max = 500) => Type.String({ maxLength: max });

export const VisitRequest = Type.Object({
  patient: ReferenceTo('Patient'),
  mode: Type.Union([
    Type.Literal('in-person'),
    Type.Literal('home'),
    Type.Literal('mobile-unit'),
    Type.Literal('video'),
  ]),
  reason: Type.Optional(Text(300)),
  start: Type.Optional(DateTime),
  vitals: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Number())),
  diagnoses: Type.Optional(
    Type.Array(
      Type.Object({
        code: Type.String({ maxLength: 40 }), // the ICD-10 check (visit.ts) names a wrong code with the others
        text: Type.Optional(Text(300)), // the clinician's own wording, beside the code's title
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('resolved')])),
      }),
      { maxItems: 20 },
    ),
  ),
  allergies: Type.Optional(
    Type.Array(
      Type.Object({
        substance: Text(200),
        category: Type.Optional(
          Type.Union([Type.Literal('medication'), Type.Literal('food'), Type.Literal('environment')]),
        ),
        criticality: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('high')])),
        reaction: Type.Optional(Text(200)),
      }),
      { maxItems: 20 },
    ),
  ),
  medications: Type.Optional(
    Type.Array(Type.Object({ code: Type.String({ maxLength: 20 }), dosage: Text(300) }), { maxItems: 20 }),
  ),
  immunizations: Type.Optional(
    Type.Array(
      Type.Object({
        antigen: Type.String({ maxLength: 20 }),
        dose: Type.Integer({ minimum: 0, maximum: 10 }),
        date: Type.Optional(DateTime),
        lot: Type.Optional(Text(60)),
      }),
      { maxItems: 20 },
    ),
  ),
  note: Type.Optional(Text(20_000)),
  orders: Type.Optional(
    Type.Array(
      Type.Object({
        kind: Type.Union([Type.Literal('lab'), Type.Literal('imaging'), Type.Literal('referral')]),
        text: Text(500),
        performer: Type.Optional(Type.String({ maxLength: 100 })),
      }),
      { maxItems: 20 },
    ),
  ),
  sign: Type.Optional(Type.Boolean()),
});
export type VisitRequest = Static<typeof VisitRequest>;

export const SignVisitRequest = Type.Object({ note: Type.Optional(Text(20_000)) });
export type SignVisitRequest = Static<typeof SignVisitRequest>;

export const EmergencyLinkRequest = Type.Object({ patient: ReferenceTo('Patient') });
export type EmergencyLinkRequest = Static<typeof EmergencyLinkRequest>;

export const BreakGlassPreviewRequest = Type.Object({
  identifier: Type.String({ minLength: 1, maxLength: 200 }),
});
export type BreakGlassPreviewRequest = Static<typeof BreakGlassPreviewRequest>;

export const ReasonText = ShortText(1000);
