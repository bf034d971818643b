/** A stay and the lists, through the data layer: refreshed after each action and by the live feed. */
import { useDataMutation, useDataQuery } from '../data/index.ts';
import { act, STAY_TYPES, type StayView, stay, stays } from './api.ts';

export const useStay = (id: string) =>
  useDataQuery({ types: STAY_TYPES, key: ['dialysis-stay', id], load: (signal) => stay(id, signal) });

export const useStays = () =>
  useDataQuery({ types: STAY_TYPES, key: ['dialysis-stays'], load: (signal) => stays(signal) });

/** An action on a stay (send, accept, confirm…): every answer made of the stay's types is refreshed. */
export const useStayAction = (id: string) =>
  useDataMutation<{ action: string; body?: unknown }, StayView>({
    write: ({ action, body }) => act(id, action, body),
    changes: () => STAY_TYPES.map((resourceType) => ({ resourceType })),
  });
