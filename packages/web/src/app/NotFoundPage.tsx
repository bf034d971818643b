import { useTranslation } from 'react-i18next';
import { Page } from '../design/index.ts';
import { Link } from '../router/router.tsx';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('notFound.title')}>
      <p>{t('notFound.body')}</p>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </Page>
  );
}

/** Signed in, but this area is not theirs (a patient opening the clinician workspace). */
export function ForbiddenPage() {
  const { t } = useTranslation();
  return (
    <Page title={t('errors.forbidden')}>
      <p>
        <Link to="/">{t('notFound.home')}</Link>
      </p>
    </Page>
  );
}
