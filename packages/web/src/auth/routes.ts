/** The screens of account recovery and security (app/routes.ts spreads them in). */
import type { AppRoute } from '../app/routes.ts';
import { screen } from '../app/screen.ts';

export const ACCOUNT_ROUTES: AppRoute[] = [
  { path: '/forgot-password', area: 'public', page: screen(() => import('./ForgotPasswordPage.tsx')) },
  { path: '/reset-password', area: 'public', page: screen(() => import('./ResetPasswordPage.tsx')) },
  { path: '/reset-password/:by', area: 'public', page: screen(() => import('./ResetPasswordPage.tsx')) },
  // any signed-in person: the page itself says what applies to them
  { path: '/account/security', area: 'public', page: screen(() => import('./SecurityPage.tsx')) },
];
