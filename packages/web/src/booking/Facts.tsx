import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A few facts on one or two lines ("Lieu : Clinique Anfa"); rows without a value are left out. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  const { t } = useTranslation();
  return (
    <dl className="facts">
      {rows
        .filter(([, value]) => value !== undefined && value !== null && value !== '')
        .map(([label, value]) => (
          <div key={label}>
            <dt>{t('labelled', { label, value: '' })}</dt>
            <dd>
              <bdi>{value}</bdi>
            </dd>
          </div>
        ))}
    </dl>
  );
}
