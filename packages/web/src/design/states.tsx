/** Loading, empty, failed: the three states every screen that fetches has to show. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorMessageKey } from '../api/errors.ts';
import { Link, useLocation } from '../router/router.tsx';
import { Button } from './Button.tsx';

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status" aria-live="polite">
      {label ?? t('states.loading')}
    </p>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  const { t } = useTranslation();
  return <p className="empty">{children ?? t('states.empty')}</p>;
}

/**
 * A failure explained in the user's language, with what to do next. The server's own words are
 * English and meant for developers: they never reach the page (they stay in the network panel).
 */
export function ErrorMessage({ error, retry }: { error: unknown; retry?: () => void }) {
  const { t } = useTranslation();
  const { href } = useLocation();
  const key = errorMessageKey(error);
  return (
    <div className="notice notice--warning" role="alert">
      <p>
        <strong>{t(`errors.${key}`)}</strong>
      </p>
      <p>{t(`errors.next.${key}`)}</p>
      {(key === 'login' || key === 'session') && (
        <p>
          <Link to={`/login?next=${encodeURIComponent(href)}`}>{t('layout.signIn')}</Link>
        </p>
      )}
      {(key === 'credentials' || key === 'linkUsed') && (
        <p>
          <Link to="/forgot-password">{t('errors.newPassword')}</Link>
        </p>
      )}
      {retry && key !== 'login' && (
        <Button type="button" variant="secondary" small onClick={retry}>
          {t('actions.retry')}
        </Button>
      )}
    </div>
  );
}

export function Notice({ kind, children }: { kind?: 'info' | 'warning' | 'success'; children: ReactNode }) {
  return (
    <div className={kind && kind !== 'info' ? `notice notice--${kind}` : 'notice'} role="status">
      {children}
    </div>
  );
}

export function Tag({
  kind,
  children,
}: {
  kind?: 'info' | 'warning' | 'success' | 'grey';
  children: ReactNode;
}) {
  return <strong className={kind && kind !== 'info' ? `tag tag--${kind}` : 'tag'}>{children}</strong>;
}
