/** The frame of every page: skip link, header (brand, language, user), navigation, main, footer. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from '../router/router.tsx';
import { HeartIcon } from './icons.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { useOnline } from './useOnline.ts';

export interface NavItem {
  to: string;
  label: string;
  /** Also current for paths below it (default: exact match only). */
  prefix?: boolean;
  /** Also current for paths below these. */
  under?: string[];
}

export function Layout({
  nav,
  userName,
  onSignOut,
  children,
}: {
  nav: NavItem[];
  userName?: string;
  onSignOut?: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const online = useOnline();
  const current = (item: NavItem) =>
    pathname === item.to ||
    (item.prefix === true && pathname.startsWith(`${item.to}/`)) ||
    (item.under ?? []).some((path) => pathname === path || pathname.startsWith(`${path}/`));
  return (
    <>
      <a className="skip-link" href="#main">
        {t('layout.skip')}
      </a>
      <header className="header">
        <div className="container header__inner">
          <Link to="/" className="header__brand">
            <HeartIcon />
            <span>{t('app.name')}</span>
          </Link>
          <LanguageSwitch />
          {userName && (
            <div className="header__user">
              <span className="visually-hidden">{t('layout.signedInAs', { name: userName })}</span>
              <span aria-hidden="true">{userName}</span>
              {onSignOut && (
                <button type="button" className="link-button" onClick={onSignOut}>
                  {t('layout.signOut')}
                </button>
              )}
            </div>
          )}
        </div>
        {nav.length > 0 && (
          <nav className="nav" aria-label={t('layout.mainNav')}>
            <div className="container">
              <ul>
                {nav.map((item) => (
                  <li key={item.to}>
                    <Link to={item.to} aria-current={current(item) ? 'page' : undefined}>
                      {item.label}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          </nav>
        )}
      </header>
      <main id="main" className="container main" tabIndex={-1}>
        {!online && (
          <p className="notice" role="status">
            {t('layout.offline')}
          </p>
        )}
        {children}
      </main>
      <footer className="footer">
        <div className="container">{t('layout.footer')}</div>
      </footer>
    </>
  );
}
