/**
 * One page: sets the document title, shows the h1, and after an in-app navigation moves the focus
 * to the h1 so that screen-reader and keyboard users start at the new page's top.
 */
import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from '../router/router.tsx';
import { ChevronIcon } from './icons.tsx';

let firstPage = true;

export function Page({
  title,
  back,
  lede,
  children,
}: {
  title: string;
  back?: { to: string; label?: string };
  lede?: ReactNode;
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — ${t('app.name')}`;
  }, [title, t]);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else heading.current?.focus();
  }, []);
  return (
    <>
      {back && (
        <Link to={back.to} className="back-link">
          <ChevronIcon direction="back" />
          {back.label ?? t('nav.back')}
        </Link>
      )}
      <h1 ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {lede && <p className="lede">{lede}</p>}
      <div className="stack">{children}</div>
    </>
  );
}
