/** What booking tells patients, in French, Arabic and English (registered with the notification service). */
import { formatInstant, type Template } from '../../notify/index.ts';

const when = (p: Record<string, string>, l: 'fr' | 'ar' | 'en') => formatInstant(p.start, l);
const video = (p: Record<string, string>) => p.mode === 'video';

export const SCHEDULING_TEMPLATES: Record<string, Template> = {
  'appointment-confirmed': {
    params: ['practitioner', 'start', 'place', 'mode'],
    fr: (p) => ({
      subject: 'Sahti : rendez-vous confirmé',
      body: `Rendez-vous confirmé avec ${p.practitioner} le ${when(p, 'fr')}${video(p) ? ' en vidéo (rejoignez la salle d’attente depuis Sahti)' : `, ${p.place}`}. Pour annuler ou déplacer : Sahti > Mes rendez-vous.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تأكيد الموعد',
      body: `تم تأكيد موعدك مع ${p.practitioner} يوم ${when(p, 'ar')}${video(p) ? ' عبر الفيديو (ادخل قاعة الانتظار من صحتي)' : `، ${p.place}`}. للإلغاء أو التغيير: صحتي > مواعيدي.`,
    }),
    en: (p) => ({
      subject: 'Sahti: appointment confirmed',
      body: `Appointment confirmed with ${p.practitioner} on ${when(p, 'en')}${video(p) ? ' by video (join the waiting room from Sahti)' : `, ${p.place}`}. To cancel or move it: Sahti > My appointments.`,
    }),
  },
  'appointment-reminder': {
    params: ['practitioner', 'start', 'place', 'mode'],
    fr: (p) => ({
      subject: 'Sahti : rappel de rendez-vous demain',
      body: `Rappel : rendez-vous avec ${p.practitioner} le ${when(p, 'fr')}${video(p) ? ' en vidéo' : `, ${p.place}`}. Apportez votre CNIE.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تذكير بموعد الغد',
      body: `تذكير: موعدك مع ${p.practitioner} يوم ${when(p, 'ar')}${video(p) ? ' عبر الفيديو' : `، ${p.place}`}. أحضر بطاقتك الوطنية.`,
    }),
    en: (p) => ({
      subject: 'Sahti: appointment reminder for tomorrow',
      body: `Reminder: appointment with ${p.practitioner} on ${when(p, 'en')}${video(p) ? ' by video' : `, ${p.place}`}. Bring your national ID card.`,
    }),
  },
  'appointment-cancelled': {
    params: ['practitioner', 'start'],
    fr: (p) => ({
      subject: 'Sahti : rendez-vous annulé',
      body: `Votre rendez-vous avec ${p.practitioner} du ${when(p, 'fr')} est annulé.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: إلغاء الموعد',
      body: `تم إلغاء موعدك مع ${p.practitioner} بتاريخ ${when(p, 'ar')}.`,
    }),
    en: (p) => ({
      subject: 'Sahti: appointment cancelled',
      body: `Your appointment with ${p.practitioner} on ${when(p, 'en')} is cancelled.`,
    }),
  },
  'appointment-moved': {
    params: ['practitioner', 'start', 'previous'],
    fr: (p) => ({
      subject: 'Sahti : rendez-vous déplacé',
      body: `Votre rendez-vous avec ${p.practitioner} est déplacé du ${formatInstant(p.previous, 'fr')} au ${when(p, 'fr')}.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: تغيير موعد',
      body: `تم نقل موعدك مع ${p.practitioner} من ${formatInstant(p.previous, 'ar')} إلى ${when(p, 'ar')}.`,
    }),
    en: (p) => ({
      subject: 'Sahti: appointment moved',
      body: `Your appointment with ${p.practitioner} moved from ${formatInstant(p.previous, 'en')} to ${when(p, 'en')}.`,
    }),
  },
  'waitlist-offer': {
    params: ['practitioner', 'start', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : une place s’est libérée',
      body: `Une place s’est libérée avec ${p.practitioner} le ${when(p, 'fr')}. Elle vous est réservée ${p.minutes} min : confirmez-la dans Sahti > Mes rendez-vous.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: موعد متاح',
      body: `أصبح موعد متاحا مع ${p.practitioner} يوم ${when(p, 'ar')}. هو محجوز لك لمدة ${p.minutes} دقيقة: أكده في صحتي > مواعيدي.`,
    }),
    en: (p) => ({
      subject: 'Sahti: a slot has opened',
      body: `A slot opened with ${p.practitioner} on ${when(p, 'en')}. It is held for you for ${p.minutes} min: confirm it in Sahti > My appointments.`,
    }),
  },
};
