/**
 * Who holds a Slot, without saying it to everyone who may read Slots. A busy Slot records the
 * Appointment that took it, and a slot held from the waiting list the Patient it is offered to,
 * because the booking rule compares them under the Slot's row lock (booking.ts, waitlist.ts). Any
 * signed-in user reads Slots (to book), so the Slot keeps a keyed token of the holder — an
 * HMAC-SHA-256 of the reference under a key derived from `SAHTI_SECRET_KEY` — never the reference:
 * the rule compares tokens; a reader learns that the slot is taken, not by what or for whom.
 * Slots written before this kept the reference itself (`valueReference`); they are read the same
 * way and lose it at their next change.
 */
import { createHmac } from 'node:crypto';
import type { Extension, Slot } from '@medplum/fhirtypes';
import { secretKeyFrom } from '../../auth/config.ts';

let key: Buffer | undefined;
const holdKey = (): Buffer =>
  (key ??= createHmac('sha256', secretKeyFrom(process.env)).update('sahti: who holds a slot, v1').digest());

/** The token a Slot keeps for `reference` ("Appointment/…", "Patient/…"). */
export const holdToken = (reference: string): string =>
  createHmac('sha256', holdKey()).update(reference).digest('base64url');

/** The extension naming the holder by its token. */
export const holdExtension = (url: string, reference: string): Extension => ({
  url,
  valueString: holdToken(reference),
});

/** The holder's token kept under `url` on a Slot, if any. */
export function holderOf(slot: Slot | undefined, url: string): string | undefined {
  const found = slot?.extension?.find((e) => e.url === url);
  if (found?.valueString) return found.valueString;
  const legacy = found?.valueReference?.reference;
  return legacy ? holdToken(legacy) : undefined;
}

/** Whether the Slot is held, under `url`, by `reference`. */
export const heldBy = (slot: Slot | undefined, url: string, reference: string): boolean =>
  holderOf(slot, url) === holdToken(reference);
