/** Shapes several contracts share. */
import { Type } from 'typebox';

/** A FHIR logical id (R4: [A-Za-z0-9-.]{1,64}). */
export const Id = Type.String({ pattern: '^[A-Za-z0-9\\-.]{1,64}$' });
/** `Type/id` or a bare id. */
export const ReferenceTo = (type: string) => Type.String({ pattern: `^(${type}/)?[A-Za-z0-9\\-.]{1,64}$` });
/** A short human text (a reason, a label). */
export const ShortText = (maxLength = 500) => Type.String({ maxLength });
/** An ISO date or date-time. */
export const DateTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$',
});
export const IdParams = Type.Object({ id: Id });
