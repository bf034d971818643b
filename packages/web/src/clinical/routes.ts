/**
 * The screens of clinical documentation and the patient's copy, as branches of the app's route
 * tree (app/routes.ts spreads them in): the visit, signing and corrections under a patient's chart,
 * the public emergency view a card's QR code opens.
 */
import type { AppRoute } from '../app/routes.ts';
import { screen } from '../app/screen.ts';

/** Pages below the chart's frame (`/clinician/patients/:id/…`). */
export const CHART_CHILDREN: AppRoute[] = [
  { path: 'visit', page: screen(() => import('./VisitPage.tsx')) },
  { path: 'sign/:encounter', page: screen(() => import('./SignPage.tsx')) },
  { path: 'correct/:type/:rid', page: screen(() => import('./CorrectionPage.tsx')) },
];

export const RECORD_ROUTES: AppRoute[] = [
  { path: '/emergency/:token', area: 'public', page: screen(() => import('./EmergencyViewPage.tsx')) },
];
