/** The data layer: cached reads, writes that refresh what they touch, the server's live feed. */
export { applyLiveEvent, invalidate, invalidateAll, type LiveEvent, queryClient } from './client.ts';
export {
  combine,
  type QueryOptions,
  useCreate,
  useDataMutation,
  useDataPages,
  useDataQuery,
  useResource,
  useSearch,
  useSearchResources,
  useTransaction,
  useUpdate,
} from './hooks.ts';
export { ANY, type DataChange, dataKey, readKey, searchKey } from './keys.ts';
export { type LiveFeed, startLive } from './live.ts';
