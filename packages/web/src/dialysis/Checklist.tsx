/** What the destination asks for, item by item: up to date, or what to do about it. */
import { useTranslation } from 'react-i18next';
import { Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import type { ReadinessItem } from './api.ts';
import { NS } from './i18n/index.ts';

const FIX: Record<string, string> = {
  prescription: 'fix.prescription',
  'vascular-access': 'fix.access',
  medications: 'fix.medications',
  allergies: 'fix.allergies',
  approval: 'fix.approval',
};

export function Checklist({ items, forPatient }: { items: ReadinessItem[]; forPatient: boolean }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const date = (d?: string) => format.date(d);
  return (
    <ul className="dialysis-checklist" data-testid="dialysis-checklist">
      {items.map((item) => {
        const dated = item.key.startsWith('serology') || item.key === 'ecg' || item.key === 'labs';
        const kind = item.status === 'ok' ? 'success' : item.blocking ? 'warning' : 'info';
        return (
          <li key={item.key} data-item={item.key} data-status={item.status}>
            <span className="dialysis-checklist__label">{t(`item.${item.key}`)}</span>{' '}
            <Tag kind={kind}>{t(`status.${item.status}`)}</Tag>
            {item.date && <span className="secondary"> · {date(item.date)}</span>}
            {item.status === 'ok' && item.validUntil && (
              <span className="secondary"> · {t('fix.validUntil', { date: date(item.validUntil) })}</span>
            )}
            {forPatient && item.status !== 'ok' && (
              <p className="dialysis-checklist__fix">
                {dated && item.status === 'expires-before-stay'
                  ? t('fix.warn', { date: date(item.redoFrom) })
                  : dated && item.redoFrom
                    ? t('fix.redo', { date: date(item.redoFrom) })
                    : dated
                      ? t('fix.add')
                      : t(FIX[item.key] ?? 'fix.add')}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
