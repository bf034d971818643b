/** After an emergency access to their record, the patient sees it first thing on their home page. */
import { useTranslation } from 'react-i18next';
import { accessLog } from '../api/index.ts';
import { useDataQuery } from '../data/index.ts';
import { Notice } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { NS } from './i18n/index.ts';

const RECENT_DAYS = 30;

export function BreakGlassAlert() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const log = useDataQuery({ types: ['AuditEvent'], key: ['break-glass-alert'], load: () => accessLog() });
  const since = Date.now() - RECENT_DAYS * 86_400_000;
  const emergency = (log.data?.entries ?? []).filter((e) => e.breakGlass && Date.parse(e.when) > since);
  if (emergency.length === 0) return null;
  const latest = emergency[0];
  const who = typeof latest.who === 'string' ? latest.who : latest.who.display;
  return (
    <Notice kind="warning">
      <div data-testid="break-glass-alert">
        <p>
          <strong>
            {t('alerts.breakGlass', { date: format.date(latest.when, { time: true }), name: who })}
          </strong>
        </p>
        {latest.breakGlassReason && <p>{t('accessLog.reason', { reason: latest.breakGlassReason })}</p>}
        <p>
          <Link to="/portal/access-log">{t('alerts.breakGlassMore')}</Link>
        </p>
      </div>
    </Notice>
  );
}
