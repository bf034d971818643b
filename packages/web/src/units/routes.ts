/**
 * The mobile-unit screens: planning, and the units with their tours, teams and equipment
 * (administrators, programme managers); the field app (unit teams).
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

export const UNITS_ROUTES: AppRoute[] = [
  { path: '/planning', area: 'planning', page: screen(() => import('./planning/PlanningPage.tsx')) },
  { path: '/units', area: 'planning', page: screen(() => import('./tours/UnitsPage.tsx')) },
  { path: '/units/:id', area: 'planning', page: screen(() => import('./tours/UnitPage.tsx')) },
  { path: '/field', area: 'clinician', page: screen(() => import('./field/FieldPage.tsx')) },
];
