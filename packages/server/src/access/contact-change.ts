/**
 * A person's email and phone (the account's, and for a patient the Patient's telecom: one truth).
 * A new address is not taken on the word of whoever holds the session: it waits in
 * auth_contact_change until the 6-digit code sent to it comes back (one-time-codes.ts: hashed,
 * 10 minutes, 5 tries, 5 codes a day per channel; a newer request replaces the value and cancels
 * the earlier code). The address being replaced or removed is told, without a code — the
 * account's and the record's, where the messages go, when they differ. Clearing a field needs no code.
 */
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { FhirError, type FhirStore, outcome, type SqlExecutor } from '@sahti/fhir';
import type { FastifyRequest } from 'fastify';
import { type Account, updateContact } from '../auth/accounts.ts';
import { mask } from '../auth/code-routes.ts';
import { type CodeUse, issueDigitCode, spendDigitCode } from '../auth/one-time-codes.ts';
import { enqueueNotification, type Language, patientLanguage } from '../notify/index.ts';
import { languageOfTag } from '../notify/language.ts';

export type ContactChannel = 'email' | 'phone';
export const CONTACT_CHANNELS: readonly ContactChannel[] = ['email', 'phone'];

export const CONTACT_CODE_SECONDS = 10 * 60;
const PURPOSE = { email: 'contact-email', phone: 'contact-phone' } as const;
const SENT_BY = { email: 'email', phone: 'sms' } as const;

export interface Contact {
  email: string | null;
  phone: string | null;
}

/** The new addresses waiting for their code (expired ones are not shown). */
export async function pendingContact(
  db: SqlExecutor,
  accountId: string,
): Promise<Partial<Record<ContactChannel, string>>> {
  const { rows } = await db.query<{ channel: ContactChannel; value: string }>(
    `SELECT channel, value FROM auth_contact_change
     WHERE account_id = $1::text AND expires_at > now() ORDER BY channel`,
    [accountId],
  );
  return Object.fromEntries(rows.map((r) => [r.channel, r.value]));
}

export async function dropPending(
  db: SqlExecutor,
  accountId: string,
  channel: ContactChannel,
): Promise<void> {
  await db.query('DELETE FROM auth_contact_change WHERE account_id = $1::text AND channel = $2::text', [
    accountId,
    channel,
  ]);
}

/** The patient's record (their telecom and language), if they have one. */
export async function recordOf(
  store: FhirStore,
  patientId: string | undefined,
): Promise<Patient | undefined> {
  if (!patientId) return undefined;
  return (await store.readIfPresent('Patient', patientId)) as Patient | undefined;
}

/** The language the person is written to in: the patient's preferred one, else the caller's, else French. */
export function contactLanguage(req: FastifyRequest, record: Patient | undefined): Language {
  const preferred = record ? patientLanguage(record) : undefined;
  if (preferred) return preferred;
  const asked = req.headers['accept-language'];
  return languageOfTag((typeof asked === 'string' ? asked : '').split(',')[0]?.trim()) ?? 'fr';
}

/** Refused because the account had its day's codes or wrong tries for this channel. */
export class ContactCodeRefused extends Error {
  readonly channel: ContactChannel;
  readonly reason: 'too_many_codes' | 'too_many_tries';
  readonly retryAfter: number;
  constructor(channel: ContactChannel, reason: 'too_many_codes' | 'too_many_tries', retryAfter: number) {
    super(reason);
    this.channel = channel;
    this.reason = reason;
    this.retryAfter = retryAfter;
  }
}

/**
 * Inside `tx`: a code for `value` on `channel`, sent to it; the value kept until the code comes
 * back (replacing any earlier one, whose code dies); the current address, if any, told. Throws
 * ContactCodeRefused when no code may be sent today.
 */
export async function requestContactChange(
  tx: SqlExecutor,
  account: Account,
  channel: ContactChannel,
  value: string,
  language: Language,
  record?: Patient,
): Promise<void> {
  const expires = new Date(Date.now() + CONTACT_CODE_SECONDS * 1000);
  // the waiting row first: a confirmation locks it first too, so the two never cross (no deadlock)
  await tx.query(
    `INSERT INTO auth_contact_change (account_id, channel, value, expires_at)
     VALUES ($1::text, $2::text, $3::text, $4::timestamptz)
     ON CONFLICT (account_id, channel)
     DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, created_at = now()`,
    [account.id, channel, value, expires.toISOString()],
  );
  const issued = await issueDigitCode(tx, account.id, PURPOSE[channel], CONTACT_CODE_SECONDS);
  // refused: the caller's transaction rolls back, the earlier value and code stay as they were
  if ('refused' in issued) throw new ContactCodeRefused(channel, issued.refused, issued.retryAfter);
  // this value is confirmed by this code only, not by one sent for a value it replaced
  await tx.query(
    'UPDATE auth_contact_change SET code_hash = $3::text WHERE account_id = $1::text AND channel = $2::text',
    [account.id, channel, issued.hash],
  );
  // the code: no patient id (no list a session holder reads shows it), erased once sent
  await enqueueNotification(tx, {
    channel: SENT_BY[channel],
    recipient: value,
    template: 'contact-change-code',
    params: { field: channel, code: issued.code, minutes: String(CONTACT_CODE_SECONDS / 60) },
    language,
    sensitive: true,
    expiresAt: expires,
  });
  await tellCurrentAddress(tx, account, channel, value, language, record);
}

/**
 * The addresses in force on `channel`: the account's and, for a patient, their record's
 * (Patient.telecom: appointment, waiting-list and access notices go there), which can differ when
 * the care team registered them.
 */
export function currentAddresses(
  account: Account,
  record: Patient | undefined,
  channel: ContactChannel,
): string[] {
  const inRecord = (record?.telecom ?? [])
    .filter((t) => (channel === 'email' ? t.system === 'email' : t.system === 'phone' || t.system === 'sms'))
    .map((t) => t.value?.trim());
  return [...new Set([account[channel], ...inRecord].filter((v): v is string => !!v))];
}

/**
 * The addresses in force hear that they are being replaced (`to`) or removed (no `to`): no code
 * in it. The record's are told as well as the account's: they are where the messages go.
 */
export async function tellCurrentAddress(
  tx: SqlExecutor,
  account: Account,
  channel: ContactChannel,
  to: string | undefined,
  language: Language,
  record?: Patient,
): Promise<void> {
  for (const current of currentAddresses(account, record, channel)) {
    if (current === to) continue;
    await enqueueNotification(tx, {
      channel: SENT_BY[channel],
      recipient: current,
      template: 'contact-change-notice',
      params: { field: channel, to: to ? mask(to) : '', at: new Date().toISOString() },
      language,
    });
  }
}

/** A Patient's phone and email (the addresses messages go to), as comparable entries. */
function messagingTelecom(patient: Patient | undefined): string[] {
  return (patient?.telecom ?? [])
    .filter((t) => t.system === 'phone' || t.system === 'sms' || t.system === 'email')
    .map((t) => `${t.system === 'email' ? 'email' : 'phone'}:${(t.value ?? '').trim()}`)
    .sort();
}

/**
 * Whether a write of a Patient changes the phone or email messages go to. A patient (or a
 * delegate) changes them through PUT /api/me/contact only, confirmed by a code sent to the new
 * one: a direct write of the record would skip the code and the notice to the old address
 * (patient-writes.ts refuses it).
 */
export function changesMessagingTelecom(next: Patient | undefined, previous: Patient | undefined): boolean {
  return messagingTelecom(next).join('\n') !== messagingTelecom(previous).join('\n');
}

/** The account's email and phone, and the Patient's telecom with them, written together in `tx`. */
export async function applyContact(
  tx: SqlExecutor,
  store: FhirStore,
  account: Account,
  patientId: string | undefined,
  change: Partial<Contact>,
): Promise<Contact> {
  await updateContact(tx, account.id, change);
  // the account as it now is (its row locked by the update): a change of the other field confirmed
  // at the same moment has committed, and the record must not bring back its old value
  const { rows } = await tx.query<{ email: string | null; phone: string | null }>(
    'SELECT email, phone FROM auth_account WHERE id = $1::text',
    [account.id],
  );
  const kept: Contact = {
    email: change.email === undefined ? (rows[0]?.email ?? account.email ?? null) : change.email,
    phone: change.phone === undefined ? (rows[0]?.phone ?? account.phone ?? null) : change.phone,
  };
  if (!patientId) return kept;
  // the record's phone and email are the ones messages go to
  await store.modifyWithin(tx, 'Patient', patientId, (current) => {
    if (!current) return undefined;
    const patient = current as Patient;
    const others = (patient.telecom ?? []).filter(
      (t) => t.system !== 'phone' && t.system !== 'email' && t.system !== 'sms',
    );
    const telecom: ContactPoint[] = [
      ...(kept.phone ? [{ system: 'phone' as const, value: kept.phone, use: 'mobile' as const }] : []),
      ...(kept.email ? [{ system: 'email' as const, value: kept.email }] : []),
      ...others,
    ];
    return { ...patient, telecom };
  });
  return kept;
}

/**
 * Inside `tx`: the code typed for `channel`. Right, the waiting value becomes the account's (and
 * the record's) and is no longer waiting; otherwise why not, the wrong try counted (commit it).
 */
export async function confirmContactChange(
  tx: SqlExecutor,
  store: FhirStore,
  account: Account,
  patientId: string | undefined,
  channel: ContactChannel,
  code: string,
): Promise<{ applied: Contact } | { refused: Exclude<CodeUse, 'used'> | 'nothing_pending' }> {
  const { rows } = await tx.query<{ value: string; live: boolean; code_hash: string | null }>(
    `SELECT value, expires_at > now() AS live, code_hash FROM auth_contact_change
     WHERE account_id = $1::text AND channel = $2::text FOR UPDATE`,
    [account.id, channel],
  );
  const pending = rows[0];
  if (!pending) return { refused: 'nothing_pending' };
  if (!pending.live) return { refused: 'expired' };
  // the code sent for the value waiting now: one sent for a value a newer request replaced is
  // wrong, even when this transaction began before that request and still sees it unexpired
  const spent = await spendDigitCode(
    tx,
    account.id,
    PURPOSE[channel],
    code.replace(/\s/g, ''),
    pending.code_hash ?? undefined,
  );
  if (spent !== 'used') return { refused: spent === 'none' ? 'expired' : spent };
  await dropPending(tx, account.id, channel);
  return { applied: await applyContact(tx, store, account, patientId, { [channel]: pending.value }) };
}

/** The answer to a refused confirmation: a status and an OperationOutcome a person can act on. */
export function confirmRefusal(
  channel: ContactChannel,
  refused: Exclude<CodeUse, 'used'> | 'nothing_pending',
): FhirError {
  const what = channel === 'email' ? 'email address' : 'phone number';
  switch (refused) {
    case 'nothing_pending':
      return new FhirError(
        409,
        outcome('error', 'business-rule', `No new ${what} is waiting for a code: save it first`, ['channel']),
      );
    case 'too_many_tries':
      return new FhirError(
        429,
        outcome('error', 'throttled', 'Too many wrong codes: try again tomorrow', ['code']),
      );
    case 'expired':
    case 'none':
      return new FhirError(
        410,
        outcome(
          'error',
          'expired',
          `This code has expired: save the new ${what} again to receive a new one`,
          ['code'],
        ),
      );
    default:
      return new FhirError(
        400,
        outcome('error', 'invalid', `This code is wrong: type the last code sent to the new ${what}`, [
          'code',
        ]),
      );
  }
}
