/**
 * A screen of the route table: a lazy chunk (React.lazy) that can also be fetched ahead
 * (`preload`), so the shell loads the chunks of a matched chain together. Domain folders build
 * their own route branches with it.
 */
import { type ComponentType, type LazyExoticComponent, lazy } from 'react';
import type { Params } from '../router/match.ts';

export interface PageProps {
  params: Params;
}

export type Screen = LazyExoticComponent<ComponentType<PageProps>> & { preload(): Promise<unknown> };

export function screen(load: () => Promise<{ default: ComponentType<PageProps> }>): Screen {
  let loading: Promise<{ default: ComponentType<PageProps> }> | undefined;
  const once = () => {
    loading ??= load();
    return loading;
  };
  return Object.assign(lazy(once), { preload: once });
}
