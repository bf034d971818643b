import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const ar: Messages<typeof fr> = {
  title: 'منصة الخبرة عن بعد',
  lede: 'طلبات الوحدات المتنقلة، الأكثر استعجالا أولا. تحديث مباشر.',
  queue: 'قائمة: {{specialty}}',
  empty: 'لا طلبات في الانتظار',
  due: 'قبل {{date}}',
  priority: 'الاستعجال: {{priority}}',
  status: 'الحالة: {{status}}',
  open: 'فتح',
  accept: 'قبول الطلب',
  hidden: 'يفتح ملف المريض عند قبولك للطلب.',
  patient: 'المريض: {{name}}',
  findings: 'الملاحظات',
  answer: 'الرد',
  kind: 'نوع الرد',
  kinds: { advice: 'رأي مكتوب', referral: 'توجيه إلى مستشفى', video: 'مكالمة فيديو' },
  text: 'ردك',
  hospital: 'المستشفى (Organization/…)',
  start: 'وقت مكالمة الفيديو',
  send: 'إرسال الرد',
  sent: 'تم إرسال الرد: يعود إلى الوحدة.',
  stats: 'آجال الرد (90 يوما)',
};
