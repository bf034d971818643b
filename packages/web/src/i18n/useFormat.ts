/** Formatting bound to the current language, for components. */
import { useTranslation } from 'react-i18next';
import {
  ageInYears,
  type DateStyle,
  formatDate,
  formatNumber,
  formatQuantity,
  formatUnit,
  formatYears,
} from './format.ts';
import { isLanguage, type Language } from './languages.ts';

export function useLanguage(): Language {
  const { i18n } = useTranslation();
  return isLanguage(i18n.language) ? i18n.language : 'fr';
}

export function useFormat() {
  const language = useLanguage();
  return {
    language,
    date: (value: string | undefined, how?: DateStyle) => formatDate(language, value, how),
    number: (value: number, digits?: number) => formatNumber(language, value, digits),
    quantity: (q: Parameters<typeof formatQuantity>[1]) => formatQuantity(language, q),
    unit: (unit: string) => formatUnit(language, unit),
    /** "56 ans" from a FHIR birthDate; empty when unknown. */
    age: (birthDate: string | undefined) => {
      const years = ageInYears(birthDate);
      return years === undefined ? '' : formatYears(language, years);
    },
  };
}
