/**
 * The app's one query cache (TanStack Query) and the two ways it learns that data changed: a
 * write made here (the mutation hooks) and an event pushed by the server (`applyLiveEvent`).
 * The cache lives in memory only — never in storage: it holds personal data — and is emptied
 * when the user signs in or out.
 */
import { QueryClient } from '@tanstack/react-query';
import { shouldRetry } from './changes.ts';
import { ANY, type DataChange, isAffected } from './keys.ts';

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // a screen opened again within 30 s shows its data at once without asking again
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        retry: shouldRetry,
        // offline, fail and say so (with a retry button) rather than wait silently
        networkMode: 'always',
      },
      mutations: { retry: false, networkMode: 'always' },
    },
  });
}

export const queryClient = createQueryClient();

/** Marks stale every answer the changes touch; the ones on screen are fetched again. */
export async function invalidate(changes: DataChange[], client: QueryClient = queryClient): Promise<void> {
  if (changes.length === 0) return;
  await client.invalidateQueries({
    predicate: (query) => changes.some((change) => isAffected(query.queryKey, change)),
  });
}

/** An event of the server's live feed (`/api/live`): a resource was created, updated or deleted. */
export interface LiveEvent {
  resourceType: string;
  id?: string;
  versionId?: string;
  action: 'create' | 'update' | 'delete';
}

/**
 * Applies a live event to the cache: the answers that include that resource are fetched again
 * if on screen, else on their next use. A deleted resource's own read is dropped.
 */
export async function applyLiveEvent(event: LiveEvent, client: QueryClient = queryClient): Promise<void> {
  const change: DataChange = { resourceType: event.resourceType, ...(event.id ? { id: event.id } : {}) };
  if (event.action === 'delete' && event.id) {
    client.removeQueries({
      predicate: (query) =>
        isAffected(query.queryKey, change) && (query.queryKey[0] as { id?: string }).id === event.id,
    });
  }
  await invalidate([change], client);
}

/** Everything may have changed (access granted, live feed reconnected after a gap). */
export function invalidateAll(client: QueryClient = queryClient): Promise<void> {
  return invalidate([{ resourceType: ANY }], client);
}
