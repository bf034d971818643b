/**
 * The shell: who is signed in, which screens the address names (a chain of layouts and a page),
 * whether they may see them, and the live feed while someone is signed in.
 */
import { type ReactNode, Suspense, useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { patientIdOf, practitionerIdOf, type SessionUser, userName } from '../api/auth.ts';
import { useSession } from '../auth/session.tsx';
import { useResource } from '../data/index.ts';
import { startLive } from '../data/live.ts';
import { Layout, Loading } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { ActingForBanner } from '../portal/ActingFor.tsx';
import { matchTree, type TreeMatch } from '../router/match.ts';
import { Nested } from '../router/outlet.tsx';
import { navigate, useLocation } from '../router/router.tsx';
import { canEnter, homeFor, navFor } from './areas.ts';
import { ErrorBoundary } from './ErrorBoundary.tsx';
import { ForbiddenPage, NotFoundPage } from './NotFoundPage.tsx';
import { type AppRoute, areaOf, ROUTES } from './routes.ts';

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

/**
 * Each screen of the chain in its own error boundary and suspense: a layout keeps its state while
 * the pages below it change (its boundary is keyed by the address it matched), a page starts anew
 * on every address.
 */
function Screens({ match, pathname }: { match: TreeMatch<AppRoute>; pathname: string }) {
  const levels: ReactNode[] = [];
  match.chain.forEach((route, depth) => {
    const Screen = route.layout ?? route.page;
    if (!Screen) return;
    void Screen.preload(); // every chunk of the chain at once, not one after the other
    const key = route.page ? pathname : match.urls[depth];
    levels.push(
      <ErrorBoundary key={key}>
        <Suspense fallback={<Loading />}>
          <Screen params={match.params} />
        </Suspense>
      </ErrorBoundary>,
    );
  });
  return <Nested levels={levels} params={match.params} />;
}

/**
 * The name in the header: a patient's from their record, a health worker's from the directory, in
 * the reader's script (Arabic when the record has it); else the account's name as it was typed.
 */
function useShownName(user: SessionUser | undefined): string | undefined {
  const language = useLanguage();
  const patient = useResource('Patient', patientIdOf(user));
  const practitioner = useResource('Practitioner', practitionerIdOf(user));
  if (!user) return undefined;
  const record = patient.data ?? practitioner.data;
  const fromRecord = record ? personName(record.name, language) : '';
  return fromRecord || userName(user);
}

export function App() {
  const { t } = useTranslation();
  const session = useSession();
  const { pathname, href } = useLocation();
  const { user } = session;
  const shownName = useShownName(user);
  const nav = navFor(user).map((item) => ({ ...item, label: t(`nav.${item.key}`) }));
  const signOut = () => void session.signOut().finally(() => navigate('/login'));
  const userId = user?.id;
  useEffect(() => {
    if (!userId) return;
    const feed = startLive();
    return () => feed.stop();
  }, [userId]);

  let content: ReactNode;
  const found = matchTree(ROUTES, pathname);
  if (!session.ready) content = <Loading />;
  else if (pathname === '/') content = <Redirect to={homeFor(user)} />;
  else if (!found) content = <NotFoundPage />;
  else if (!canEnter(areaOf(found.chain), user)) {
    content = user ? <ForbiddenPage /> : <Redirect to={`/login?next=${encodeURIComponent(href)}`} />;
  } else {
    content = <Screens match={found} pathname={pathname} />;
    if (patientIdOf(user) && pathname.startsWith('/portal'))
      content = (
        <>
          <ActingForBanner />
          {content}
        </>
      );
  }
  return (
    <Layout nav={nav} userName={shownName} onSignOut={user ? signOut : undefined}>
      {content}
    </Layout>
  );
}
