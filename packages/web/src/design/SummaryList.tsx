import type { ReactNode } from 'react';

/** Key–value rows (GOV.UK summary list); rows without a value are left out. */
export function SummaryList({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <dl className="summary-list">
      {rows
        .map(([key, value], position) => ({ key, value, id: `row-${position}` }))
        .filter(({ value }) => value !== undefined && value !== null && value !== '')
        .map(({ key, value, id }) => (
          <div className="summary-list__row" key={id}>
            <dt>{key}</dt>
            <dd>{value}</dd>
          </div>
        ))}
    </dl>
  );
}
