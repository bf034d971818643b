import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const en: Messages<typeof fr> = {
  title: 'Check a prescription',
  lede: 'Scan the prescription’s QR code, or type its code.',
  code: 'Prescription code',
  codeHint: '32 characters, printed under the QR code',
  check: 'Check',
  status: {
    valid: 'Valid prescription',
    dispensed: 'Already dispensed',
    revoked: 'Cancelled by the prescriber',
    tampered: 'Prescription altered: do not dispense',
    expired: 'Prescription expired: do not dispense',
  },
  unknown:
    'Code not valid: no prescription has this code. Check what you typed; without a valid code, do not dispense.',
  prescriber: 'Prescriber',
  patient: 'Patient (initials, year of birth)',
  issued: 'Date',
  validUntil: 'Valid until',
  dispensedAt: 'Dispensed on {{date}} by {{by}}',
  medicines: 'Medicines',
  boxes: '{{count}} box(es), {{days}} days',
  noSubstitution: 'no substitution',
  pharmacy: 'Pharmacy name',
  inpe: 'Pharmacy INPE (optional)',
  dispense: 'Record the dispensing',
  signInToDispense: 'Dispensing is recorded by a pharmacist, with their own account.',
  signIn: 'Sign in to dispense',
  dispensed: 'Dispensing recorded.',
  missingPharmacy: 'Type the pharmacy’s name',
  dispensingFor: 'Dispensed for: {{name}}',
  choosePharmacy: 'For which pharmacy?',
  chooseOne: 'Choose…',
  missingChoice: 'Choose the pharmacy',
  refused: {
    dispensed: 'Dispensing refused: this prescription has already been dispensed.',
    revoked: 'Dispensing refused: the prescriber has cancelled this prescription.',
    tampered: 'Dispensing refused: this prescription has been altered.',
    expired: 'Dispensing refused: this prescription is past its validity.',
  },
};
