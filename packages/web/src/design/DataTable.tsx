import type { ReactNode } from 'react';

export interface Column<T> {
  header: ReactNode;
  cell(row: T): ReactNode;
  /** Numbers align to the end and use tabular digits. */
  numeric?: boolean;
  /** Long text that may wrap (other cells stay on one line; the table scrolls sideways on phones). */
  wrap?: boolean;
}

/**
 * A dense table for clinicians: a caption, header cells with scope. On a phone each row becomes a
 * card (label and value per line) and nothing is cut; inside a narrow card, long cells wrap.
 */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  captionHidden,
  testId,
}: {
  caption: ReactNode;
  columns: Column<T>[];
  rows: T[];
  rowKey(row: T): string;
  captionHidden?: boolean;
  testId?: string;
}) {
  const cols = columns.map((column, position) => ({
    ...column,
    id: `col-${position}`,
    className: [column.numeric && 'numeric', column.wrap && 'wrap'].filter(Boolean).join(' ') || undefined,
  }));
  return (
    <section
      className="table-wrap"
      aria-label={typeof caption === 'string' ? caption : undefined}
      // a region that scrolls sideways must be reachable by keyboard
      // biome-ignore lint/a11y/noNoninteractiveTabindex: see above
      tabIndex={0}
    >
      <table className="table table--stack" data-testid={testId}>
        <caption className={captionHidden ? 'visually-hidden' : undefined}>{caption}</caption>
        <thead>
          <tr>
            {cols.map((c) => (
              <th key={c.id} scope="col" className={c.numeric ? 'numeric' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {cols.map((c) => (
                <td
                  key={c.id}
                  className={c.className}
                  data-label={typeof c.header === 'string' ? c.header : undefined}
                >
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
