/**
 * Where staff without a workspace of their own land: programme managers get their view (counts and
 * aggregates that never name a person); anyone else a welcome and a way to their account settings.
 */
import { useTranslation } from 'react-i18next';
import { hasRole, userName } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';
import { ProgrammeView } from '../clinical/ProgrammeView.tsx';
import { Page } from '../design/index.ts';
import { Link } from '../router/router.tsx';

export default function WelcomePage() {
  const { t } = useTranslation();
  const { user } = useSession();
  if (hasRole(user, 'programme-manager')) return <ProgrammeView />;
  return (
    <Page title={t('app.tagline')}>
      {user && <p>{t('layout.signedInAs', { name: userName(user) })}</p>}
      {user?.kind === 'staff' && (
        <p>
          <Link to="/account/security">{t('nav.security')}</Link>
        </p>
      )}
    </Page>
  );
}
