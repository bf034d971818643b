/**
 * What a screen asks for, and what it writes. Reads are cached and shared by every screen that
 * asks the same (`useResource`, `useSearch`, `useSearchResources`, `useDataQuery`); writes
 * (`useCreate`, `useUpdate`, `useTransaction`, `useDataMutation`) mark stale every cached answer
 * they touch, so a list shows a new entry without the page reloading anything by hand.
 */
import type { Bundle, ExtractResource, Resource, ResourceType } from '@medplum/fhirtypes';
import {
  type InfiniteData,
  type QueryKey,
  type UseInfiniteQueryResult,
  type UseMutationResult,
  type UseQueryResult,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type { SearchParams } from '../api/fhir.ts';
import { fhir } from '../api/index.ts';
import { changeOf, changesOfBundle } from './changes.ts';
import { invalidate } from './client.ts';
import { type DataChange, dataKey, readKey, searchKey } from './keys.ts';

export interface QueryOptions {
  /** false: wait (e.g. until the user has typed a query). */
  enabled?: boolean;
  headers?: Record<string, string>;
}

/** One resource by id (`GET /Type/id`). */
export function useResource<K extends ResourceType>(
  type: K,
  id: string | undefined,
  options: QueryOptions = {},
): UseQueryResult<ExtractResource<K>> {
  return useQuery({
    queryKey: readKey(type, id ?? ''),
    queryFn: ({ signal }) => fhir.read(type, id ?? '', { signal, headers: options.headers }),
    enabled: Boolean(id) && options.enabled !== false,
  });
}

/** A search, as the server's Bundle (matches and included resources). */
export function useSearch(
  type: ResourceType,
  params: SearchParams = {},
  options: QueryOptions = {},
): UseQueryResult<Bundle> {
  return useQuery({
    queryKey: searchKey(type, params),
    queryFn: ({ signal }) => fhir.search(type, params, { signal, headers: options.headers }),
    enabled: options.enabled !== false,
  });
}

/** A search, as the list of matching resources. */
export function useSearchResources<K extends ResourceType>(
  type: K,
  params: SearchParams = {},
  options: QueryOptions = {},
): UseQueryResult<ExtractResource<K>[]> {
  return useQuery({
    queryKey: searchKey(type, params),
    queryFn: ({ signal }) => fhir.search(type, params, { signal, headers: options.headers }),
    select: (bundle: Bundle) => fhir.resourcesOf(bundle, type),
    enabled: options.enabled !== false,
  });
}

/**
 * Anything else: a load made of several requests, or a JSON endpoint. `types` names the resource
 * types it reads, so that writes and live events of those types refresh it.
 */
export function useDataQuery<T>(spec: {
  types: string[];
  key: unknown[];
  load(signal: AbortSignal): Promise<T>;
  enabled?: boolean;
}): UseQueryResult<T> {
  return useQuery({
    queryKey: dataKey(spec.types, ...spec.key) as QueryKey,
    queryFn: ({ signal }) => spec.load(signal),
    enabled: spec.enabled !== false,
  });
}

/** A list read page by page with a cursor (`next` absent on the last page). */
export function useDataPages<Page extends { next?: string }>(spec: {
  types: string[];
  key: unknown[];
  load(cursor: string | undefined, signal: AbortSignal): Promise<Page>;
}): UseInfiniteQueryResult<InfiniteData<Page, string | undefined>> {
  return useInfiniteQuery({
    queryKey: dataKey(spec.types, ...spec.key) as QueryKey,
    queryFn: ({ pageParam, signal }) => spec.load(pageParam, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page) => last.next,
  });
}

/** Several answers shown as one: loading until all have arrived, failed if any failed. */
export function combine<T extends readonly UseQueryResult<unknown>[]>(
  ...results: T
): {
  data: { [I in keyof T]: T[I] extends UseQueryResult<infer D> ? D : never } | undefined;
  error: unknown;
  isPending: boolean;
  /** Some answer is being asked (again): what is shown may be an older copy. */
  isFetching: boolean;
  retry(): void;
} {
  const failed = results.find((r) => r.isError);
  const ready = results.every((r) => r.data !== undefined);
  return {
    data: ready ? (results.map((r) => r.data) as never) : undefined,
    error: failed ? failed.error : undefined,
    isPending: results.some((r) => r.isPending && !r.isError),
    isFetching: results.some((r) => r.isFetching),
    retry: () => {
      for (const r of results) if (r.isError) void r.refetch();
    },
  };
}

/**
 * A write whose result names what it changed; those answers are refreshed once it succeeds.
 * `done` says what follows a success, and runs even when the component that asked is gone by then
 * (a cancelled appointment leaves the list that showed its button): a callback given to `mutate`
 * is dropped once its component unmounts.
 */
export function useDataMutation<Input, Output>(spec: {
  write(input: Input): Promise<Output>;
  changes(output: Output, input: Input): DataChange[];
  done?(output: Output, input: Input): void;
}): UseMutationResult<Output, unknown, Input> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: spec.write,
    onSuccess: (output, input) => {
      spec.done?.(output, input);
      return invalidate(spec.changes(output, input), client);
    },
  });
}

/** Creates a resource; its type's searches are refreshed, and its read is cached as returned. */
export function useCreate<T extends Resource>(): UseMutationResult<T, unknown, T> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (resource: T) => fhir.create(resource),
    onSuccess: (saved) => {
      if (saved.id) client.setQueryData(readKey(saved.resourceType, saved.id), saved);
      return invalidate([{ resourceType: saved.resourceType }], client);
    },
  });
}

/** Updates a resource (If-Match on its version); the answers that include it are refreshed. */
export function useUpdate<T extends Resource>(): UseMutationResult<T, unknown, T> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (resource: T) => fhir.update(resource),
    onSuccess: async (saved) => {
      await invalidate([changeOf(saved)], client);
      if (saved.id) client.setQueryData(readKey(saved.resourceType, saved.id), saved);
    },
  });
}

/** A transaction (all or nothing); every resource it wrote refreshes what includes it. */
export function useTransaction(): UseMutationResult<Bundle, unknown, Bundle> {
  return useDataMutation({
    write: (bundle: Bundle) => fhir.transaction(bundle),
    changes: (response, request) => changesOfBundle(request, response),
  });
}
