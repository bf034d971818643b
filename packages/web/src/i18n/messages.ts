/**
 * Messages are TypeScript objects, one file per language per domain folder (`<domain>/i18n/fr.ts`).
 * French is the reference shape; the typecheck refuses an Arabic or English file that misses a key.
 */
export type Messages<T> = { [K in keyof T]: T[K] extends string ? string : Messages<T[K]> };

export interface MessageBundles<T> {
  fr: T;
  ar: Messages<T>;
  en: Messages<T>;
}
