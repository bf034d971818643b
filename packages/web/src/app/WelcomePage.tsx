/** For staff whose role has no screen yet (programme managers: the dashboard comes later). */
import { useTranslation } from 'react-i18next';
import { userName } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';
import { Page } from '../design/index.ts';

export default function WelcomePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  return (
    <Page title={t('app.tagline')}>{user && <p>{t('layout.signedInAs', { name: userName(user) })}</p>}</Page>
  );
}
