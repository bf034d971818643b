/** The practitioner's agenda and weekly-template editor, a branch of the clinician workspace. */
import type { AppRoute } from '../app/routes.ts';
import { screen } from '../app/screen.ts';

export const AGENDA_ROUTES: AppRoute[] = [
  {
    path: '/clinician',
    area: 'clinician',
    children: [
      { path: 'agenda', page: screen(() => import('./AgendaPage.tsx')) },
      { path: 'agenda/schedules/:schedule', page: screen(() => import('./TemplatePage.tsx')) },
    ],
  },
];
