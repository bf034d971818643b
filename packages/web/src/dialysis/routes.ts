/**
 * The guest-dialysis screens as branches of the app's route tree (app/routes.ts spreads them in):
 * the patient's under /portal/dialysis, the coordinators' and nephrologists' under /clinician/dialysis.
 */
import type { AppRoute } from '../app/routes.ts';
import { screen } from '../app/screen.ts';

const summary = screen(() => import('./SummaryPage.tsx'));

export const DIALYSIS_ROUTES: AppRoute[] = [
  {
    path: '/portal',
    area: 'patient',
    children: [
      { path: 'dialysis', page: screen(() => import('./TripPage.tsx')) },
      { path: 'dialysis/stays/:id', page: screen(() => import('./StayPage.tsx')) },
      { path: 'dialysis/stays/:id/summary', page: summary },
    ],
  },
  {
    path: '/clinician',
    area: 'clinician',
    children: [
      { path: 'dialysis', page: screen(() => import('./CoordinationPage.tsx')) },
      { path: 'dialysis/stays/:id', page: screen(() => import('./ClinicianStayPage.tsx')) },
      { path: 'dialysis/stays/:id/summary', page: summary },
    ],
  },
];
