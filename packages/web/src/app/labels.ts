/** Names of clinical codes in the user's language, falling back to what the data says. */
import { useTranslation } from 'react-i18next';

export function useCodeLabel(): (code: string | undefined, fallback: string) => string {
  const { t, i18n } = useTranslation();
  return (code, fallback) => (code && i18n.exists(`common:loinc.${code}`) ? t(`loinc.${code}`) : fallback);
}
