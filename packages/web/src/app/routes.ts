/**
 * Every screen, its address and its area, as a tree: a branch gives its area to everything below
 * it and may have a layout (which shows its children through <Outlet/>); a leaf is a page. Each
 * screen is its own chunk (React.lazy), so the first screen ships only the shell and that page;
 * the screens of a matched chain are fetched together, not one after the other.
 */
import { AGENDA_ROUTES } from '../agenda/routes.ts';
import { ACCOUNT_ROUTES } from '../auth/routes.ts';
import { BOOKING_ROUTES } from '../booking/routes.ts';
import { CHART_CHILDREN, RECORD_ROUTES } from '../clinical/routes.ts';
import { DIALYSIS_ROUTES } from '../dialysis/routes.ts';
import { HUB_ROUTES } from '../hub/routes.ts';
import type { TreeRoute } from '../router/match.ts';
import { TELECONSULT_ROUTES } from '../teleconsult/routes.ts';
import { UNITS_ROUTES } from '../units/routes.ts';
import type { Area } from './areas.ts';
import { type PageProps, type Screen, screen } from './screen.ts';

export type { PageProps, Screen };

export interface AppRoute extends TreeRoute<AppRoute> {
  /** Who may enter (inherited from the branch above when absent). */
  area?: Area;
  /** A leaf's page. */
  page?: Screen;
  /** A branch's frame around its children (renders <Outlet/>); a branch without one is only a grouping. */
  layout?: Screen;
}

export const ROUTES: AppRoute[] = [
  { path: '/login', area: 'public', page: screen(() => import('../auth/LoginPage.tsx')) },
  { path: '/welcome', area: 'public', page: screen(() => import('./WelcomePage.tsx')) },
  { path: '/programme', area: 'public', page: screen(() => import('./WelcomePage.tsx')) },
  {
    path: '/portal',
    area: 'patient',
    children: [
      { path: '', page: screen(() => import('../portal/HomePage.tsx')) },
      { path: 'record', page: screen(() => import('../portal/RecordPage.tsx')) },
      { path: 'record/results', page: screen(() => import('../portal/ResultsPage.tsx')) },
      { path: 'record/:section', page: screen(() => import('../portal/RecordSectionPage.tsx')) },
      { path: 'consents', page: screen(() => import('../portal/ConsentsPage.tsx')) },
      { path: 'consents/new', page: screen(() => import('../portal/NewConsentPage.tsx')) },
      { path: 'access-log', page: screen(() => import('../portal/AccessLogPage.tsx')) },
      { path: 'profile', page: screen(() => import('../portal/ProfilePage.tsx')) },
    ],
  },
  {
    path: '/clinician',
    area: 'clinician',
    children: [
      { path: '', page: screen(() => import('../clinician/FindPatientPage.tsx')) },
      {
        // the chart's frame (banner, break-the-glass) stays while its views change below it
        path: 'patients/:id',
        layout: screen(() => import('../clinician/ChartPage.tsx')),
        children: [
          { path: '', page: screen(() => import('../clinician/ChartOverviewPage.tsx')) },
          ...CHART_CHILDREN,
        ],
      },
    ],
  },
  {
    path: '/admin',
    area: 'admin',
    children: [
      { path: 'facilities', page: screen(() => import('../admin/FacilitiesPage.tsx')) },
      { path: 'facilities/:id', page: screen(() => import('../admin/FacilityFormPage.tsx')) },
      { path: 'practitioners', page: screen(() => import('../admin/PractitionersPage.tsx')) },
      { path: 'practitioners/:id', page: screen(() => import('../admin/PractitionerFormPage.tsx')) },
      { path: 'accounts', page: screen(() => import('../admin/AccountsPage.tsx')) },
    ],
  },
  ...BOOKING_ROUTES,
  ...AGENDA_ROUTES,
  ...TELECONSULT_ROUTES,
  ...ACCOUNT_ROUTES,
  ...RECORD_ROUTES,
  ...UNITS_ROUTES,
  ...HUB_ROUTES,
  ...DIALYSIS_ROUTES,
];

/** The area of a matched chain: the nearest one declared, from the leaf up. */
export function areaOf(chain: readonly AppRoute[]): Area {
  for (let i = chain.length - 1; i >= 0; i--) {
    const area = chain[i].area;
    if (area) return area;
  }
  return 'public';
}
