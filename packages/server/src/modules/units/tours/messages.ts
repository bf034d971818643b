/** What the villagers of a tour stop are told, in French, Arabic and English (notification service).
 * `unit_ar`, `place_ar`, `unit_en`, `place_en`: the names' translations, when the unit and the stop
 * have them (a commune's Arabic name from the census list) — else the French name. */
import { formatInstant, type Template } from '../../../notify/index.ts';

export const UNITS_TEMPLATES: Record<string, Template> = {
  'unit-visit': {
    params: ['unit', 'place', 'start'],
    fr: (p) => ({
      subject: 'Sahti : l’unité médicale mobile passe demain',
      body: `L’unité médicale mobile (${p.unit}) sera à ${p.place} le ${formatInstant(p.start, 'fr')}. Consultation, tension, glycémie : venez avec votre CNIE et votre carnet.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: الوحدة الطبية المتنقلة غدا',
      body: `ستكون الوحدة الطبية المتنقلة (${p.unit_ar ?? p.unit}) في ${p.place_ar ?? p.place} يوم ${formatInstant(p.start, 'ar')}. فحص طبي، قياس الضغط والسكري: أحضر بطاقتك الوطنية ودفترك الصحي.`,
    }),
    en: (p) => ({
      subject: 'Sahti: the mobile medical unit comes tomorrow',
      body: `The mobile medical unit (${p.unit_en ?? p.unit}) will be at ${p.place_en ?? p.place} on ${formatInstant(p.start, 'en')}. Consultations, blood pressure, glucose: bring your national ID card and health booklet.`,
    }),
  },
};
