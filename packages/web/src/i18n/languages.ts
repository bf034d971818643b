/**
 * Which language to show, and how each one is written. Pure: the browser glue is in setup.ts.
 * French is the default; Arabic is right-to-left; every locale writes Latin digits (as Morocco does).
 */
export const LANGUAGES = ['fr', 'ar', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

/** Each language's name in its own script, for the switch (never translated). */
export const LANGUAGE_NAMES: Record<Language, string> = { fr: 'Français', ar: 'العربية', en: 'English' };

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The remembered choice wins; otherwise the first of the browser's preferred languages we speak
 * (`ar-MA` → ar, `en-GB` → en); otherwise French.
 */
export function chooseLanguage(stored: string | null | undefined, preferred: readonly string[]): Language {
  if (isLanguage(stored)) return stored;
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split(/[-_]/)[0];
    if (isLanguage(primary)) return primary;
  }
  return DEFAULT_LANGUAGE;
}

export function direction(language: Language): 'rtl' | 'ltr' {
  return language === 'ar' ? 'rtl' : 'ltr';
}

/** The BCP 47 tag given to Intl: Moroccan conventions, Latin digits in Arabic. */
export function localeTag(language: Language): string {
  switch (language) {
    case 'ar':
      return 'ar-MA-u-nu-latn';
    case 'fr':
      return 'fr-MA';
    case 'en':
      return 'en-GB';
  }
}
