import { useTranslation } from 'react-i18next';
import { LANGUAGE_NAMES, LANGUAGES } from '../i18n/languages.ts';
import { setLanguage } from '../i18n/setup.ts';
import { useLanguage } from '../i18n/useFormat.ts';

/** Three buttons, each language named in its own script, the current one pressed. */
export function LanguageSwitch() {
  const { t } = useTranslation();
  const current = useLanguage();
  return (
    <nav aria-label={t('layout.language')}>
      <ul className="lang-switch">
        {LANGUAGES.map((language) => (
          <li key={language}>
            <button
              type="button"
              lang={language}
              aria-pressed={language === current}
              onClick={() => void setLanguage(language)}
            >
              {LANGUAGE_NAMES[language]}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
