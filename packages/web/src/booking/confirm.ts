/**
 * How the patient wants to hear about the appointment (confirmation, day-before reminder, changes):
 * the channels their record makes possible, the one chosen, and the Patient with the choice written
 * in the extension the reminders read (scheduling/booking.ts channelsOf). Pure.
 */
import type { Patient } from '@medplum/fhirtypes';

export const CHANNEL_URL = 'https://sahti.ma/fhir/StructureDefinition/notification-channel';
export type Channel = 'email' | 'sms' | 'both';

export interface Contacts {
  email?: string;
  phone?: string;
}

export function contactsOf(patient: Patient | undefined): Contacts {
  const email = patient?.telecom?.find((t) => t.system === 'email' && t.value)?.value;
  const phone = patient?.telecom?.find((t) => (t.system === 'sms' || t.system === 'phone') && t.value)?.value;
  return { ...(email ? { email } : {}), ...(phone ? { phone } : {}) };
}

/** The choices worth asking: only when the record has both an email and a phone number. */
export function channelChoices(contacts: Contacts): Channel[] {
  return contacts.email && contacts.phone ? ['sms', 'email', 'both'] : [];
}

/** The channel in force: the patient's choice, else what the server does without one. */
export function currentChannel(patient: Patient | undefined): Channel | undefined {
  const chosen = patient?.extension?.find((e) => e.url === CHANNEL_URL)?.valueCode;
  if (chosen === 'email' || chosen === 'sms' || chosen === 'both') return chosen;
  const { email, phone } = contactsOf(patient);
  return email ? 'email' : phone ? 'sms' : undefined;
}

/** The Patient with this channel chosen; undefined when nothing changes. */
export function withChannel(patient: Patient, channel: Channel): Patient | undefined {
  const chosen = patient.extension?.find((e) => e.url === CHANNEL_URL)?.valueCode;
  if (chosen === channel) return undefined;
  return {
    ...patient,
    extension: [
      ...(patient.extension ?? []).filter((e) => e.url !== CHANNEL_URL),
      { url: CHANNEL_URL, valueCode: channel },
    ],
  };
}
