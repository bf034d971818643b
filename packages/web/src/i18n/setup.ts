/**
 * i18next in the browser: the language chosen on first visit (remembered choice, else the
 * browser's languages, else French), `<html lang dir>` kept true, the choice remembered.
 * Domain folders add their own namespace when their (lazily loaded) code first runs.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { chooseLanguage, direction, isLanguage, LANGUAGES, type Language } from './languages.ts';
import type { MessageBundles } from './messages.ts';

const STORAGE_KEY = 'sahti.language';

function storedLanguage(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the choice lasts this visit only
  }
}

function applyToDocument(language: Language): void {
  document.documentElement.lang = language;
  document.documentElement.dir = direction(language);
}

export function startI18n<T extends object>(common: MessageBundles<T>): Language {
  const language = chooseLanguage(storedLanguage(), navigator.languages ?? [navigator.language]);
  void i18next.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'fr',
    supportedLngs: [...LANGUAGES],
    ns: ['common'],
    defaultNS: 'common',
    resources: { fr: { common: common.fr }, ar: { common: common.ar }, en: { common: common.en } },
    initAsync: false,
    interpolation: { escapeValue: false }, // React escapes
    react: { useSuspense: false },
    returnNull: false,
  });
  for (const [namespace, bundles] of early) addMessages(namespace, bundles);
  early.clear();
  applyToDocument(language);
  i18next.on('languageChanged', (lng) => {
    if (isLanguage(lng)) applyToDocument(lng);
  });
  return language;
}

/** Namespaces added before `startI18n` ran (a module imported by the entry point itself). */
const early = new Map<string, MessageBundles<object>>();

export function addMessages<T extends object>(namespace: string, bundles: MessageBundles<T>): void {
  // i18next's resource methods only exist once `init` has run; imports run before the entry's body
  if (!i18next.isInitialized) {
    early.set(namespace, bundles);
    return;
  }
  for (const language of LANGUAGES) {
    if (!i18next.hasResourceBundle(language, namespace)) {
      i18next.addResourceBundle(language, namespace, bundles[language]);
    }
  }
}

export async function setLanguage(language: Language): Promise<void> {
  try {
    window.localStorage.setItem(STORAGE_KEY, language);
  } catch {
    // the choice lasts this visit only
  }
  await i18next.changeLanguage(language);
}

export function currentLanguage(): Language {
  return isLanguage(i18next.language) ? i18next.language : 'fr';
}
