/** The sessions of a stay: when, which chair, its status, and the record once written. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import type { SessionView } from './api.ts';
import { NS } from './i18n/index.ts';

export function Sessions({
  sessions,
  actions,
}: {
  sessions: SessionView[];
  actions?: (s: SessionView) => ReactNode;
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const num = (v: number | undefined) => (v === undefined ? '—' : format.number(v));
  if (sessions.length === 0) return null;
  return (
    <ol className="dialysis-sessions" data-testid="dialysis-sessions">
      {sessions.map((s) => (
        <li key={s.appointment} data-status={s.status}>
          <strong>{format.date(s.start, { time: true })}</strong>
          {s.chair && <span> · {t('stay.chair', { chair: s.chair })}</span>}{' '}
          <Tag kind={s.status === 'fulfilled' ? 'success' : 'grey'}>
            {t(`appointment.${s.status}`, { defaultValue: s.status })}
          </Tag>
          {s.record && (
            <p className="secondary" data-testid="session-record">
              {t('session.summary', {
                pre: num(s.record.preWeightKg),
                post: num(s.record.postWeightKg),
                preBp: s.record.preBp,
                postBp: s.record.postBp,
                uf: num(s.record.ultrafiltrationMl),
              })}
              {/* incidents are the writer's own words, in their language: isolated from the page's direction */}
              {s.record.incidents.length > 0 && (
                <>
                  {' · '}
                  <bdi>{s.record.incidents.join(' ; ')}</bdi>
                </>
              )}
            </p>
          )}
          {actions?.(s)}
        </li>
      ))}
    </ol>
  );
}
