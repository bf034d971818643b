import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const ar: Messages<typeof fr> = {
  title: 'التحقق من وصفة طبية',
  lede: 'امسح رمز QR الموجود على الوصفة، أو أدخل رمزها.',
  code: 'رمز الوصفة',
  codeHint: '32 حرفا، مطبوعة تحت رمز QR',
  check: 'تحقق',
  status: {
    valid: 'وصفة صالحة',
    dispensed: 'سبق صرفها',
    revoked: 'ألغاها الطبيب',
    tampered: 'وصفة معدَّلة: لا تصرفها',
    expired: 'وصفة منتهية الصلاحية: لا تصرفها',
  },
  unknown: 'رمز غير صالح: لا توجد وصفة بهذا الرمز. تحقق مما أدخلته، ولا تصرف الأدوية دون رمز صالح.',
  prescriber: 'الطبيب',
  patient: 'المريض (الحروف الأولى، سنة الازدياد)',
  issued: 'التاريخ',
  validUntil: 'صالحة إلى غاية',
  dispensedAt: 'صُرفت بتاريخ {{date}} من طرف {{by}}',
  medicines: 'الأدوية',
  boxes: '{{count}} علبة، {{days}} يوما',
  noSubstitution: 'غير قابل للاستبدال',
  pharmacy: 'اسم الصيدلية',
  inpe: 'رقم INPE للصيدلية (اختياري)',
  dispense: 'تسجيل الصرف',
  signInToDispense: 'يسجل الصرفَ صيدلانيٌّ بحسابه الخاص.',
  signIn: 'تسجيل الدخول للصرف',
  dispensed: 'سُجل الصرف.',
  missingPharmacy: 'أدخل اسم الصيدلية',
  refused: {
    dispensed: 'رُفض الصرف: سبق صرف هذه الوصفة.',
    revoked: 'رُفض الصرف: ألغى الطبيب هذه الوصفة.',
    tampered: 'رُفض الصرف: هذه الوصفة معدَّلة.',
    expired: 'رُفض الصرف: انتهت مدة صلاحية هذه الوصفة.',
  },
};
