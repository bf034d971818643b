/**
 * Who holds a Slot, without saying it to everyone who may read Slots. A busy Slot records the
 * Appointment that took it, and a slot held from the waiting list the Patient it is offered to,
 * because the booking rule compares them under the Slot's row lock (booking.ts, waitlist.ts). Any
 * signed-in user reads Slots (to book), so the Slot keeps a keyed token of the holder — an
 * HMAC-SHA-256 of the reference under a key derived from `SAHTI_SECRET_KEY` — never the reference:
 * the rule compares tokens; a reader learns that the slot is taken, not by what or for whom, nor
 * that two Slots have the same holder (the token is bound to the Slot).
 * Slots written before this kept the reference itself (`valueReference`); they are read the same
 * way and lose it at their next change.
 */
import { createHmac } from 'node:crypto';
import type { Extension, Slot } from '@medplum/fhirtypes';
import { secretKeyFrom } from '../../auth/config.ts';

let key: Buffer | undefined;
const holdKey = (): Buffer =>
  (key ??= createHmac('sha256', secretKeyFrom(process.env)).update('sahti: who holds a slot, v1').digest());

/**
 * The token Slot `slotId` keeps for `reference`: bound to that Slot, so the same holder on two Slots
 * (a patient held slots from two waiting lists, today and next month) has unrelated tokens — a
 * reader cannot link them.
 */
export const holdToken = (slotId: string, reference: string): string =>
  createHmac('sha256', holdKey()).update(`Slot/${slotId}\n${reference}`).digest('base64url');

/** The token first written (not bound to the Slot): still read, never written. */
const unboundToken = (reference: string): string =>
  createHmac('sha256', holdKey()).update(reference).digest('base64url');

/** The extension naming the holder of Slot `slotId` by its token. */
export const holdExtension = (url: string, slotId: string, reference: string): Extension => ({
  url,
  valueString: holdToken(slotId, reference),
});

/** The holder's token kept under `url` on a Slot, if any. */
export function holderOf(slot: Slot | undefined, url: string): string | undefined {
  const found = slot?.extension?.find((e) => e.url === url);
  if (found?.valueString) return found.valueString;
  const legacy = found?.valueReference?.reference;
  return legacy && slot?.id ? holdToken(slot.id, legacy) : undefined;
}

/**
 * Whether the Slot is held, under `url`, by `reference`. Only the platform writes a holder
 * (booking.ts slotHoldersHook), so the unbound tokens and plain references of Slots written before
 * are still read as theirs: none can be copied onto another Slot.
 */
export function heldBy(slot: Slot | undefined, url: string, reference: string): boolean {
  const found = slot?.extension?.find((e) => e.url === url);
  if (!slot?.id || !found) return false;
  if (found.valueString)
    return (
      found.valueString === holdToken(slot.id, reference) || found.valueString === unboundToken(reference)
    );
  return found.valueReference?.reference === reference;
}
