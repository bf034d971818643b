/** "My record": one card per part of the record, each opening its own page. */
import { useTranslation } from 'react-i18next';
import { Card, Page } from '../design/index.ts';
import { NS } from './i18n/index.ts';

export const RECORD_SECTIONS = [
  'problems',
  'allergies',
  'medications',
  'immunizations',
  'results',
  'documents',
] as const;
export type RecordSection = (typeof RECORD_SECTIONS)[number];

export default function RecordPage() {
  const { t } = useTranslation(NS);
  return (
    <Page title={t('record.title')} lede={t('record.lede')}>
      <div className="grid grid--2">
        {RECORD_SECTIONS.map((section) => (
          <Card key={section} title={t(`record.${section}`)} to={`/portal/record/${section}`}>
            <p className="secondary">{t(`record.${section}Hint`)}</p>
          </Card>
        ))}
      </div>
    </Page>
  );
}
