/**
 * The care team records what the patient tells it: staff who may write a Patient, and system
 * clients, still change its phone and email directly (the patient changes them through
 * PUT /api/me/contact, confirmed by a code: contact-change.ts). So that such a change — a typo, or
 * an insider sending the patient's messages elsewhere — does not go unseen, each address it takes
 * off the record is told, in the patient's language and in the same transaction as the write: what
 * replaced it (masked), or that it was removed. No code is sent; nothing is told for addresses
 * added beside those in force, nor for the patient's own confirmed changes (the platform writes
 * them, after telling the old address itself).
 */
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import type { WriteHook } from '@sahti/fhir';
import { mask } from '../auth/code-routes.ts';
import { enqueueNotification, patientLanguage } from '../notify/index.ts';
import { writerOf } from './relations/sources.ts';

const CHANNELS = [
  { field: 'email', sentBy: 'email', systems: ['email'] },
  { field: 'phone', sentBy: 'sms', systems: ['phone', 'sms'] },
] as const;

const addressesOf = (patient: Patient, systems: readonly ContactPoint['system'][]): string[] => [
  ...new Set(
    (patient.telecom ?? [])
      .filter((t) => systems.includes(t.system) && t.value?.trim())
      .map((t) => (t.value as string).trim()),
  ),
];

export function careTeamContactNoticeHook(): WriteHook {
  return (changes, actor) => {
    const writer = writerOf(actor);
    if (writer.kind === 'patient' || writer.kind === 'platform') return undefined;
    const notices: Parameters<typeof enqueueNotification>[1][] = [];
    const at = new Date().toISOString();
    for (const change of changes) {
      if (change.resourceType !== 'Patient' || !change.previous || !change.next) continue;
      const previous = change.previous as Patient;
      const next = change.next as Patient;
      const language = patientLanguage(previous);
      for (const { field, sentBy, systems } of CHANNELS) {
        const before = addressesOf(previous, systems);
        const after = addressesOf(next, systems);
        const to = after.find((a) => !before.includes(a));
        for (const dropped of before.filter((a) => !after.includes(a)))
          notices.push({
            patientId: change.id,
            channel: sentBy,
            recipient: dropped,
            template: 'contact-changed-by-care-team',
            params: { field, to: to ? mask(to) : '', at },
            ...(language ? { language } : {}),
          });
      }
    }
    if (notices.length === 0) return undefined;
    return async (tx) => {
      for (const notice of notices) await enqueueNotification(tx, notice);
    };
  };
}
