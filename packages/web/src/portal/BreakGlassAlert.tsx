/** After an emergency access to their record, the patient sees it first thing on their home page. */
import { Trans, useTranslation } from 'react-i18next';
import { accessLog } from '../api/index.ts';
import { useDataQuery } from '../data/index.ts';
import { Notice } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import { usePractitionerNames } from './usePractitionerNames.ts';

const RECENT_DAYS = 30;

export function BreakGlassAlert() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const log = useDataQuery({ types: ['AuditEvent'], key: ['break-glass-alert'], load: () => accessLog() });
  const since = Date.now() - RECENT_DAYS * 86_400_000;
  const emergency = (log.data?.entries ?? []).filter((e) => e.breakGlass && Date.parse(e.when) > since);
  const latest = emergency.at(0);
  // the doctor's name in the reader's script ("د. خالد الفيلالي" on an Arabic page)
  const nameOf = usePractitionerNames(latest ? [latest] : []);
  if (!latest) return null;
  const who = typeof latest.who === 'string' ? latest.who : nameOf(latest.who.display, latest.who.reference);
  return (
    <Notice kind="warning">
      <div data-testid="break-glass-alert">
        <p>
          <strong>
            <Trans
              t={t}
              i18nKey="alerts.breakGlass"
              values={{ date: format.date(latest.when, { time: true }), name: who }}
              components={{ name: <bdi data-testid="break-glass-who" /> }}
            />
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
