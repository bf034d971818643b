/** The hub's screens, a branch of the app's route tree (app/routes.ts spreads it in). */
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

export const HUB_ROUTES: AppRoute[] = [
  { path: '/hub', area: 'hub', page: screen(() => import('./HubPage.tsx')) },
];
