/** The shell: who is signed in, which page the address names, and whether they may see it. */
import { type ReactNode, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { userName } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';
import { Layout, Loading } from '../design/index.ts';
import { findRoute } from '../router/match.ts';
import { navigate, useLocation } from '../router/router.tsx';
import { canEnter, homeFor, navFor } from './areas.ts';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { ForbiddenPage, NotFoundPage } from './NotFoundPage.tsx';
import { ROUTES } from './routes.ts';

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const { pathname, href } = useLocation();
  const { user } = session;
  const nav = navFor(user).map((item) => ({ ...item, label: t(`nav.${item.key}`) }));
  const signOut = () => void session.signOut().finally(() => navigate('/login'));

  let content: ReactNode;
  const found = findRoute(ROUTES, pathname);
  if (!session.ready) content = <Loading />;
  else if (pathname === '/') content = <Redirect to={homeFor(user)} />;
  else if (!found) content = <NotFoundPage />;
  else if (!canEnter(found.route.area, user)) {
    content = user ? <ForbiddenPage /> : <Redirect to={`/login?next=${encodeURIComponent(href)}`} />;
  } else {
    const Page = found.route.page;
    content = (
      <ErrorBoundary key={pathname}>
        <Suspense fallback={<Loading />}>
          <Page params={found.params} />
        </Suspense>
      </ErrorBoundary>
    );
  }
  return (
    <Layout nav={nav} userName={user ? userName(user) : undefined} onSignOut={user ? signOut : undefined}>
      {content}
    </Layout>
  );
}
