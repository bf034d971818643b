/**
 * The patient's presence at a visit opens a short relationship: the clinician types the CNIE number
 * from the card, a one-time code goes to the phone (or email) on the patient's record, and the
 * patient reads it out. The code stands in for the card's chip in the national plan: it proves the
 * patient is there and agrees, which a clinician alone cannot assert.
 */
import type { Patient } from '@medplum/fhirtypes';
import { badRequest, FhirError, type FhirStore, fail, outcome, type SqlExecutor } from '@sahti/fhir';
import { randomDigits, sha256 } from '../../auth/secrets.ts';
import type { Principal } from '../../kernel/principal.ts';
import { enqueueNotification, nudgeNotifications, patientLanguage } from '../../notify/index.ts';
import { CARE_ROLES } from '../policy.ts';
import type { CareRelation, CareRelations } from './store.ts';
import { actorReferences } from './visible.ts';

export interface PresenceSettings {
  /** How long the relationship lasts once the patient gave the code. */
  hours: number;
  /** How long a code may be given. */
  codeMinutes: number;
}

export interface PresenceChallenge {
  challenge: string;
  channel: 'sms' | 'email';
  /** The recipient, masked: enough for the clinician to say "the code went to …89". */
  sentTo: string;
  expiresAt: string;
}

const MAX_TRIES = 5;

export function assertMayAskPresence(principal: Principal): string {
  const ok = principal.kind === 'staff' && principal.roles.some((r) => CARE_ROLES.includes(r));
  if (!ok || !principal.fhirUser?.startsWith('Practitioner/')) {
    throw new FhirError(
      403,
      outcome('error', 'forbidden', 'Only care-givers with a practitioner record may do this'),
    );
  }
  return principal.fhirUser;
}

/** Step 1: find the patient by CNIE and send them a code. */
export async function askPresence(
  store: FhirStore,
  principal: Principal,
  input: { identifier?: unknown; organization?: unknown },
  settings: PresenceSettings,
): Promise<PresenceChallenge & { patientId: string }> {
  const practitioner = assertMayAskPresence(principal);
  if (typeof input.identifier !== 'string' || input.identifier.trim() === '')
    badRequest('Give the CNIE number from the patient’s card', ['identifier']);
  const actor = await presenceActor(store.db, practitioner, input.organization);
  const found = await store.search('Patient', [
    ['identifier', (input.identifier as string).trim()],
    ['_count', '2'],
  ]);
  if (found.matches.length === 0)
    fail(404, 'not-found', 'No patient has this CNIE number: register them first');
  if (found.matches.length > 1)
    fail(412, 'multiple-matches', 'Several patients have this number: give its system too');
  const patient = found.matches[0] as Patient;
  const phone = patient.telecom?.find((t) => (t.system === 'sms' || t.system === 'phone') && t.value)?.value;
  const email = patient.telecom?.find((t) => t.system === 'email' && t.value)?.value;
  if (!phone && !email) {
    fail(
      409,
      'business-rule',
      'The patient has no phone or email on record to receive the code: update their contact details, or use emergency access',
    );
  }
  const id = crypto.randomUUID();
  const code = randomDigits(6);
  const expires = new Date(Date.now() + settings.codeMinutes * 60_000);
  const channel = phone ? 'sms' : 'email';
  await store.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO care_presence_challenge (id, actor, practitioner, account_id, patient_id, code_hash, expires_at)
       VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz)`,
      [id, actor, practitioner, principal.id, patient.id, sha256(`${id}:${code}`), expires.toISOString()],
    );
    // no patient id on the row: the code must not show in any list a session holder could read;
    // sensitive: its text is erased once delivered, and it is never sent after it expires
    await enqueueNotification(tx, {
      channel,
      recipient: phone ?? email,
      template: 'presence-code',
      params: { practitioner: principal.display, code, minutes: String(settings.codeMinutes) },
      ...languageOf(patient),
      sensitive: true,
      expiresAt: expires,
    });
  });
  nudgeNotifications(store.db);
  return {
    challenge: id,
    channel,
    sentTo: mask(phone ?? (email as string)),
    expiresAt: expires.toISOString(),
    patientId: patient.id as string,
  };
}

/** Step 2: the code the patient read out opens the relationship. */
export async function confirmPresence(
  db: SqlExecutor & { transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> },
  relations: CareRelations,
  principal: Principal,
  input: { challenge?: unknown; code?: unknown },
  settings: PresenceSettings,
): Promise<CareRelation> {
  const practitioner = assertMayAskPresence(principal);
  if (typeof input.challenge !== 'string' || typeof input.code !== 'string')
    badRequest('Give the challenge and the 6-digit code the patient received');
  const code = (input.code as string).trim();
  return db
    .transaction(async (tx) => {
      const row = (
        await tx.query<{ actor: string; patient_id: string; code_hash: string; attempts: number }>(
          `SELECT actor, patient_id, code_hash, attempts FROM care_presence_challenge
          WHERE id = $1::text AND practitioner = $2::text AND used_at IS NULL AND expires_at > now() FOR UPDATE`,
          [input.challenge, practitioner],
        )
      ).rows[0];
      if (!row || row.attempts >= MAX_TRIES)
        fail(400, 'expired', 'This code has expired or was used: ask for a new one');
      if (!/^\d{6}$/.test(code) || sha256(`${input.challenge}:${code}`) !== row!.code_hash)
        throw new WrongCode();
      await tx.query('UPDATE care_presence_challenge SET used_at = now() WHERE id = $1::text', [
        input.challenge,
      ]);
      const now = new Date();
      return relations.grant(tx, {
        patientId: row!.patient_id,
        actor: row!.actor,
        source: 'presence',
        basis: `presence/${input.challenge}`,
        grantedBy: practitioner,
        reason: 'patient present, confirmed by a one-time code',
        start: now,
        end: new Date(now.getTime() + settings.hours * 3_600_000),
      });
    })
    .catch((err: unknown) => {
      // a wrong code rolls the transaction back; the try is counted outside it, so it sticks
      if (err instanceof WrongCode) return countWrongTry(db, input.challenge as string);
      throw err;
    });
}

class WrongCode extends Error {}

async function countWrongTry(db: SqlExecutor, challenge: string): Promise<never> {
  await db.query('UPDATE care_presence_challenge SET attempts = attempts + 1 WHERE id = $1::text', [
    challenge,
  ]);
  return fail(400, 'invalid', 'Wrong code: check it with the patient', ['code']);
}

/** The practitioner, or a unit/organisation they work for (a mobile unit opens it for its team). */
async function presenceActor(db: SqlExecutor, practitioner: string, organization: unknown): Promise<string> {
  if (organization === undefined) return practitioner;
  if (typeof organization !== 'string' || !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(organization))
    badRequest('organization must be a reference like Organization/12', ['organization']);
  const mine = await actorReferences(db, practitioner);
  if (!mine.includes(organization as string)) {
    throw new FhirError(403, outcome('error', 'forbidden', 'You do not work for this organisation'));
  }
  return organization as string;
}

function mask(recipient: string): string {
  if (recipient.includes('@')) {
    const [name, domain] = recipient.split('@');
    return `${name.slice(0, 1)}…@${domain}`;
  }
  return `…${recipient.replace(/\D/g, '').slice(-2)}`;
}

function languageOf(patient: Patient): { language?: 'fr' | 'ar' | 'en' } {
  const language = patientLanguage(patient);
  return language ? { language } : {};
}
