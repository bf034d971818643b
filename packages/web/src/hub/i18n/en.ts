import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const en: Messages<typeof fr> = {
  title: 'Tele-expertise hub',
  lede: 'Requests from the mobile units, most urgent first. Updated live.',
  queue: 'Queue: {{specialty}}',
  empty: 'No request waiting',
  due: 'Due before {{date}}',
  priority: 'Urgency: {{priority}}',
  status: 'Status: {{status}}',
  open: 'Open',
  accept: 'Accept the request',
  hidden: 'The patient’s record opens when you accept the request.',
  patient: 'Patient: {{name}}',
  findings: 'Findings',
  answer: 'Answer',
  kind: 'Answer',
  kinds: { advice: 'Written advice', referral: 'Referral to a hospital', video: 'Video call' },
  text: 'Your answer',
  hospital: 'Hospital (Organization/…)',
  start: 'Time of the video call',
  send: 'Send the answer',
  sent: 'Answer sent: it goes back to the unit.',
  stats: 'Response times (90 days)',
};
