import type { Messages } from '../../i18n/messages.ts';
import type { fr } from './fr.ts';

export const ar: Messages<typeof fr> = {
  title: 'تسجيل الدخول إلى صحتي',
  lede: 'ملفك الصحي، مشترك بين مقدمي العلاج الذين يتابعونك.',
  who: 'أنت',
  patient: 'مريض(ة)',
  staff: 'مهني(ة) صحة',
  cnie: 'رقم البطاقة الوطنية',
  cnieHint: 'الرقم المكتوب على بطاقتك الوطنية، مثلًا AB123456.',
  login: 'المعرّف',
  loginHint: 'بريدك الإلكتروني المهني أو رقم INPE.',
  password: 'كلمة المرور',
  submit: 'تسجيل الدخول',
  totp: 'رمز تطبيق المصادقة',
  totpHint: 'الأرقام الستة الظاهرة الآن في تطبيقك.',
  emailCode: 'الرمز المرسل بالبريد الإلكتروني',
  emailCodeHint: 'أرسلنا للتو 6 أرقام إلى بريدك الإلكتروني. الرمز صالح لمدة 10 دقائق.',
  secondFactorTitle: 'تأكيد هويتك',
  verify: 'متابعة',
  startAgain: 'البدء من جديد',
  errors: {
    cnieMissing: 'أدخل رقم بطاقتك الوطنية',
    cnieFormat: 'يبدأ رقم البطاقة الوطنية بحرف أو حرفين يليهما 5 أو 6 أرقام، مثلًا AB123456',
    loginMissing: 'أدخل معرّفك',
    passwordMissing: 'أدخل كلمة المرور',
    codeMissing: 'أدخل الرمز المكوّن من 6 أرقام',
    codeFormat: 'يتكون الرمز من 6 أرقام',
    wrongCredentials: 'المعرّف أو كلمة المرور غير صحيحة',
    wrongCode: 'الرمز غير صحيح أو سبق استعماله. انتظر الرمز التالي ثم أعد المحاولة',
    unavailable: 'تسجيل الدخول غير متاح بعد على هذا الخادم.',
  },
};
