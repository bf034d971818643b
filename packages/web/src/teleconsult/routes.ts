/**
 * The screens of teleconsultation, prescriptions and the pharmacist's verification, as branches
 * of the app's route tree (app/routes.ts spreads them in): the patient's under /portal, the
 * practitioner's under /clinician, the public verification page at /verify.
 */
import { type ComponentType, lazy } from 'react';
import type { AppRoute, PageProps, Screen } from '../app/routes.ts';

function screen(load: () => Promise<{ default: ComponentType<PageProps> }>): Screen {
  let loading: Promise<{ default: ComponentType<PageProps> }> | undefined;
  const once = () => {
    loading ??= load();
    return loading;
  };
  return Object.assign(lazy(once), { preload: once });
}

export const TELECONSULT_ROUTES: AppRoute[] = [
  {
    path: '/portal',
    area: 'patient',
    children: [
      { path: 'consultations', page: screen(() => import('./PatientConsultationsPage.tsx')) },
      { path: 'consultations/:appointment', page: screen(() => import('./PatientConsultationPage.tsx')) },
      { path: 'prescriptions', page: screen(() => import('./PatientPrescriptionsPage.tsx')) },
    ],
  },
  {
    path: '/clinician',
    area: 'clinician',
    children: [
      { path: 'waiting-room', page: screen(() => import('./WaitingRoomPage.tsx')) },
      { path: 'consultations/:appointment', page: screen(() => import('./DoctorConsultationPage.tsx')) },
    ],
  },
  { path: '/verify', area: 'public', page: screen(() => import('../pharmacy/VerifyPage.tsx')) },
  { path: '/verify/:code', area: 'public', page: screen(() => import('../pharmacy/VerifyPage.tsx')) },
];
