/**
 * The booking screens as branches of the app's route tree (app/routes.ts spreads them in): finding
 * a doctor and their free times is public; confirming, the booked page, the waiting list and "my
 * appointments" are the patient's (the shell sends a visitor to sign in first, and back here).
 */
import type { AppRoute } from '../app/routes.ts';
import { screen } from '../app/screen.ts';

export const BOOKING_ROUTES: AppRoute[] = [
  { path: '/find', area: 'public', page: screen(() => import('./FindPage.tsx')) },
  { path: '/find/:schedule', area: 'public', page: screen(() => import('./PractitionerPage.tsx')) },
  { path: '/find/:schedule/waitlist', area: 'patient', page: screen(() => import('./WaitlistPage.tsx')) },
  { path: '/book/done/:appointment', area: 'patient', page: screen(() => import('./BookedPage.tsx')) },
  { path: '/book/:slot', area: 'patient', page: screen(() => import('./ConfirmPage.tsx')) },
  {
    path: '/portal',
    area: 'patient',
    children: [
      { path: 'appointments', page: screen(() => import('./MyAppointmentsPage.tsx')) },
      { path: 'appointments/:appointment/move', page: screen(() => import('./MovePage.tsx')) },
    ],
  },
];
