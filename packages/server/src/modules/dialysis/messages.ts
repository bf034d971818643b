/** What guest dialysis tells the patient, in French, Arabic and English (one message per stay, not per session). */
import { formatInstant, type Template } from '../../notify/index.ts';

type P = Record<string, string>;
const date = (iso: string, l: 'fr' | 'ar' | 'en') =>
  new Intl.DateTimeFormat(l === 'ar' ? 'ar-MA' : l === 'en' ? 'en-GB' : 'fr-MA', {
    dateStyle: 'long',
    timeZone: 'UTC',
    numberingSystem: 'latn',
  }).format(new Date(`${iso.slice(0, 10)}T12:00:00Z`));
const span = (p: P, l: 'fr' | 'ar' | 'en') =>
  l === 'ar'
    ? `من ${date(p.arrival, l)} إلى ${date(p.departure, l)}`
    : l === 'en'
      ? `from ${date(p.arrival, l)} to ${date(p.departure, l)}`
      : `du ${date(p.arrival, l)} au ${date(p.departure, l)}`;

export const DIALYSIS_TEMPLATES: Record<string, Template> = {
  'dialysis-request-sent': {
    params: ['centre', 'arrival', 'departure'],
    fr: (p) => ({
      subject: 'Sahti : demande de dialyse envoyée',
      body: `Votre demande de dialyse à ${p.centre} ${span(p, 'fr')} est envoyée avec votre résumé médical. Vous serez prévenu(e) de la réponse.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تم إرسال طلب التصفية',
      body: `أُرسل طلب التصفية في ${p.centre} ${span(p, 'ar')} مع ملخصك الطبي. سنخبرك بالرد.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis request sent',
      body: `Your dialysis request to ${p.centre} ${span(p, 'en')} has been sent with your medical summary. You will be told the answer.`,
    }),
  },
  'dialysis-stay-accepted': {
    params: ['centre', 'arrival', 'departure', 'sessions', 'confirmBy'],
    fr: (p) => ({
      subject: 'Sahti : séjour de dialyse accepté',
      body: `${p.centre} vous accueille ${span(p, 'fr')} : ${p.sessions} séances réservées. Confirmez dans Sahti > Dialyse en voyage avant le ${formatInstant(p.confirmBy, 'fr')}, sinon les places seront libérées.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تم قبول إقامة التصفية',
      body: `يستقبلك ${p.centre} ${span(p, 'ar')}: ${p.sessions} حصص محجوزة. أكد في صحتي > التصفية أثناء السفر قبل ${formatInstant(p.confirmBy, 'ar')}، وإلا ستُحرر الأماكن.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis stay accepted',
      body: `${p.centre} will take you ${span(p, 'en')}: ${p.sessions} sessions held. Confirm in Sahti > Dialysis away before ${formatInstant(p.confirmBy, 'en')}, or the chairs will be released.`,
    }),
  },
  'dialysis-stay-declined': {
    params: ['centre', 'arrival', 'departure', 'reason'],
    fr: (p) => ({
      subject: 'Sahti : demande de dialyse refusée',
      body: `${p.centre} ne peut pas vous accueillir ${span(p, 'fr')}. Motif : ${p.reason}. Cherchez un autre centre dans Sahti > Dialyse en voyage.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: رُفض طلب التصفية',
      body: `لا يستطيع ${p.centre} استقبالك ${span(p, 'ar')}. السبب: ${p.reason}. ابحث عن مركز آخر في صحتي > التصفية أثناء السفر.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis request declined',
      body: `${p.centre} cannot take you ${span(p, 'en')}. Reason: ${p.reason}. Look for another centre in Sahti > Dialysis away.`,
    }),
  },
  'dialysis-stay-confirmed': {
    params: ['centre', 'arrival', 'departure', 'first'],
    fr: (p) => ({
      subject: 'Sahti : séjour de dialyse confirmé',
      body: `Séjour confirmé à ${p.centre} ${span(p, 'fr')}. Première séance le ${formatInstant(p.first, 'fr')}. Emportez votre CNIE et le résumé imprimé.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تأكيد إقامة التصفية',
      body: `تم تأكيد إقامتك في ${p.centre} ${span(p, 'ar')}. أول حصة يوم ${formatInstant(p.first, 'ar')}. أحضر بطاقتك الوطنية والملخص المطبوع.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis stay confirmed',
      body: `Stay confirmed at ${p.centre} ${span(p, 'en')}. First session on ${formatInstant(p.first, 'en')}. Bring your ID card and the printed summary.`,
    }),
  },
  'dialysis-stay-cancelled': {
    params: ['centre', 'arrival', 'departure'],
    fr: (p) => ({
      subject: 'Sahti : séjour de dialyse annulé',
      body: `Votre séjour de dialyse à ${p.centre} ${span(p, 'fr')} est annulé ; les places sont libérées.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: إلغاء إقامة التصفية',
      body: `أُلغيت إقامة التصفية في ${p.centre} ${span(p, 'ar')}؛ وحُررت الأماكن.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis stay cancelled',
      body: `Your dialysis stay at ${p.centre} ${span(p, 'en')} is cancelled; the chairs are released.`,
    }),
  },
  'dialysis-document-expiring': {
    params: ['document', 'expires', 'centre', 'arrival'],
    fr: (p) => ({
      subject: 'Sahti : un document de votre séjour de dialyse expire',
      body: `Votre ${p.document} ne sera plus accepté par ${p.centre} après le ${date(p.expires, 'fr')} (arrivée le ${date(p.arrival, 'fr')}). Faites un nouvel examen et ajoutez le résultat dans Sahti.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: وثيقة من ملف التصفية تنتهي صلاحيتها',
      body: `لن يقبل ${p.centre} ${p.document} بعد ${date(p.expires, 'ar')} (الوصول يوم ${date(p.arrival, 'ar')}). أجرِ فحصا جديدا وأضف النتيجة في صحتي.`,
    }),
    en: (p) => ({
      subject: 'Sahti: a document for your dialysis stay expires',
      body: `${p.centre} will no longer accept your ${p.document} after ${date(p.expires, 'en')} (arrival ${date(p.arrival, 'en')}). Have a new test and add the result in Sahti.`,
    }),
  },
  'dialysis-session-reminder': {
    params: ['centre', 'start'],
    fr: (p) => ({
      subject: 'Sahti : séance de dialyse demain',
      body: `Rappel : séance de dialyse à ${p.centre} le ${formatInstant(p.start, 'fr')}. Emportez votre CNIE et le résumé imprimé.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: حصة تصفية غدا',
      body: `تذكير: حصة تصفية في ${p.centre} يوم ${formatInstant(p.start, 'ar')}. أحضر بطاقتك الوطنية والملخص المطبوع.`,
    }),
    en: (p) => ({
      subject: 'Sahti: dialysis session tomorrow',
      body: `Reminder: dialysis session at ${p.centre} on ${formatInstant(p.start, 'en')}. Bring your ID card and the printed summary.`,
    }),
  },
  'dialysis-stay-completed': {
    params: ['centre'],
    fr: (p) => ({
      subject: 'Sahti : fin de votre séjour de dialyse',
      body: `${p.centre} a rédigé la lettre de fin de séjour ; elle est dans votre dossier et chez votre néphrologue.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: نهاية إقامة التصفية',
      body: `حرر ${p.centre} رسالة نهاية الإقامة؛ وهي في ملفك وعند طبيب الكلى المتابع لك.`,
    }),
    en: (p) => ({
      subject: 'Sahti: end of your dialysis stay',
      body: `${p.centre} has written the end-of-stay letter; it is in your record and with your nephrologist.`,
    }),
  },
};
