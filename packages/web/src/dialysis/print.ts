/**
 * The printable summary's words in the languages it travels in — French, Arabic, English, and
 * Spanish and Portuguese for centres there — by IPS section code; and the rows of a section's
 * narrative read as text (never injected as HTML). Pure but `rowsOf`, which needs a DOMParser.
 */
export const PRINT_LANGUAGES = ['fr', 'ar', 'en', 'es', 'pt'] as const;
export type PrintLanguage = (typeof PRINT_LANGUAGES)[number];

type Words = Record<PrintLanguage, string>;

export const SECTION_TITLES: Record<string, Words> = {
  '11450-4': {
    fr: 'Problèmes de santé',
    ar: 'المشاكل الصحية',
    en: 'Problem list',
    es: 'Problemas de salud',
    pt: 'Problemas de saúde',
  },
  '48765-2': {
    fr: 'Allergies et intolérances',
    ar: 'الحساسية وعدم التحمل',
    en: 'Allergies and intolerances',
    es: 'Alergias e intolerancias',
    pt: 'Alergias e intolerâncias',
  },
  '10160-0': {
    fr: 'Médicaments',
    ar: 'الأدوية',
    en: 'Medication summary',
    es: 'Medicación',
    pt: 'Medicação',
  },
  '11369-6': { fr: 'Vaccinations', ar: 'التلقيحات', en: 'Immunizations', es: 'Vacunas', pt: 'Vacinas' },
  '30954-2': { fr: 'Résultats', ar: 'النتائج', en: 'Results', es: 'Resultados', pt: 'Resultados' },
  '8716-3': {
    fr: 'Signes vitaux',
    ar: 'العلامات الحيوية',
    en: 'Vital signs',
    es: 'Signos vitales',
    pt: 'Sinais vitais',
  },
  '47519-4': {
    fr: 'Actes et interventions',
    ar: 'العمليات والإجراءات',
    en: 'History of procedures',
    es: 'Procedimientos',
    pt: 'Procedimentos',
  },
  'haemodialysis-summary': {
    fr: 'Hémodialyse',
    ar: 'تصفية الدم',
    en: 'Haemodialysis',
    es: 'Hemodiálisis',
    pt: 'Hemodiálise',
  },
};

export const LABELS: Record<'title' | 'patient' | 'born' | 'date' | 'empty', Words> = {
  title: {
    fr: 'Résumé patient international',
    ar: 'الملخص الدولي للمريض',
    en: 'International Patient Summary',
    es: 'Resumen internacional del paciente',
    pt: 'Resumo internacional do paciente',
  },
  patient: { fr: 'Patient', ar: 'المريض', en: 'Patient', es: 'Paciente', pt: 'Paciente' },
  born: {
    fr: 'Né(e) le',
    ar: 'تاريخ الازدياد',
    en: 'Born',
    es: 'Fecha de nacimiento',
    pt: 'Data de nascimento',
  },
  date: { fr: 'Établi le', ar: 'حُرر في', en: 'Issued', es: 'Emitido el', pt: 'Emitido em' },
  empty: {
    fr: 'Aucune information disponible.',
    ar: 'لا تتوفر أي معلومات.',
    en: 'No information available.',
    es: 'No hay información disponible.',
    pt: 'Nenhuma informação disponível.',
  },
};

/** The title of a section in a language, else the title it was sent with. */
export function sectionTitle(
  code: string | undefined,
  language: PrintLanguage,
  sent: string | undefined,
): string {
  return (code && SECTION_TITLES[code]?.[language]) || sent || '';
}

/** The printable languages a centre's country adds to the patient's (Spain, Portugal). */
export function languagesFor(country: string | undefined): PrintLanguage[] {
  const extra: PrintLanguage[] = country === 'ES' ? ['es'] : country === 'PT' ? ['pt'] : [];
  return [...PRINT_LANGUAGES.filter((l) => l === 'fr' || l === 'ar' || l === 'en'), ...extra];
}

/** A narrative's table rows as text cells (the header row first when there is one). */
export function rowsOf(div: string | undefined): string[][] {
  if (!div || typeof DOMParser === 'undefined') return [];
  const doc = new DOMParser().parseFromString(div, 'text/html');
  const rows = Array.from(doc.querySelectorAll('tr')).map((tr) =>
    Array.from(tr.querySelectorAll('th,td')).map((cell) => cell.textContent ?? ''),
  );
  if (rows.length > 0) return rows;
  const text = doc.body.textContent?.trim();
  return text ? [[text]] : [];
}
