/**
 * Every screen, its address and its area. Each page is its own chunk (React.lazy), so the first
 * screen ships only the shell and that page.
 */
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import type { Params } from '../router/match.ts';
import type { Area } from './areas.ts';

export interface PageProps {
  params: Params;
}

export interface RouteDef {
  path: string;
  area: Area;
  page: LazyExoticComponent<ComponentType<PageProps>>;
}

const page = (load: () => Promise<{ default: ComponentType<PageProps> }>) => lazy(load);

export const ROUTES: RouteDef[] = [
  { path: '/login', area: 'public', page: page(() => import('../auth/LoginPage.tsx')) },
  { path: '/welcome', area: 'public', page: page(() => import('./WelcomePage.tsx')) },
  { path: '/portal', area: 'patient', page: page(() => import('../portal/HomePage.tsx')) },
  { path: '/portal/record', area: 'patient', page: page(() => import('../portal/RecordPage.tsx')) },
  { path: '/portal/record/results', area: 'patient', page: page(() => import('../portal/ResultsPage.tsx')) },
  {
    path: '/portal/record/:section',
    area: 'patient',
    page: page(() => import('../portal/RecordSectionPage.tsx')),
  },
  { path: '/portal/consents', area: 'patient', page: page(() => import('../portal/ConsentsPage.tsx')) },
  { path: '/portal/consents/new', area: 'patient', page: page(() => import('../portal/NewConsentPage.tsx')) },
  { path: '/portal/access-log', area: 'patient', page: page(() => import('../portal/AccessLogPage.tsx')) },
  { path: '/portal/profile', area: 'patient', page: page(() => import('../portal/ProfilePage.tsx')) },
  { path: '/clinician', area: 'clinician', page: page(() => import('../clinician/FindPatientPage.tsx')) },
  {
    path: '/clinician/patients/:id',
    area: 'clinician',
    page: page(() => import('../clinician/ChartPage.tsx')),
  },
  { path: '/admin/facilities', area: 'admin', page: page(() => import('../admin/FacilitiesPage.tsx')) },
  { path: '/admin/facilities/:id', area: 'admin', page: page(() => import('../admin/FacilityFormPage.tsx')) },
  { path: '/admin/practitioners', area: 'admin', page: page(() => import('../admin/PractitionersPage.tsx')) },
  {
    path: '/admin/practitioners/:id',
    area: 'admin',
    page: page(() => import('../admin/PractitionerFormPage.tsx')),
  },
];
