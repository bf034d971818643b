import type { ReactNode } from 'react';
import { Link } from '../router/router.tsx';

/** A card; with `to`, the whole card is one link (its title), NHS "clickable card". */
export function Card({
  title,
  to,
  level = 2,
  children,
  testId,
}: {
  title?: ReactNode;
  to?: string;
  level?: 2 | 3;
  children?: ReactNode;
  testId?: string;
}) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <section className={to ? 'card card--link' : 'card'} data-testid={testId}>
      {title && <Heading className="card__title">{to ? <Link to={to}>{title}</Link> : title}</Heading>}
      {children}
    </section>
  );
}
