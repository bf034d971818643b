/**
 * Nested routes in the tree: each level of a matched chain renders inside the one above it, at
 * the place where that one puts its <Outlet/> (a worklist beside the item it opened, a chart's
 * banner above its tabs). `useParams` gives any level the params of the whole address.
 */
import { createContext, type ReactNode, useContext } from 'react';
import type { Params } from './match.ts';

const OutletContext = createContext<ReactNode>(null);
const ParamsContext = createContext<Params>({});

/** Where a layout shows the level below it. */
export function Outlet() {
  return useContext(OutletContext);
}

/** The params of the current address, every level's merged (`:id` of the chart, `:encounter`…). */
export function useParams(): Params {
  return useContext(ParamsContext);
}

function Level({ levels, depth }: { levels: ReactNode[]; depth: number }) {
  if (depth >= levels.length) return null;
  return (
    <OutletContext.Provider value={<Level levels={levels} depth={depth + 1} />}>
      {levels[depth]}
    </OutletContext.Provider>
  );
}

/** Renders the levels of a match, the first outermost; each is the outlet of the one before. */
export function Nested({ levels, params }: { levels: ReactNode[]; params: Params }) {
  return (
    <ParamsContext.Provider value={params}>
      <Level levels={levels} depth={0} />
    </ParamsContext.Provider>
  );
}
