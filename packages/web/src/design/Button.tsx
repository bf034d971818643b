import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Link } from '../router/router.tsx';

type Variant = 'primary' | 'secondary' | 'warning';

function classes(variant: Variant, small?: boolean, extra?: string): string {
  return ['button', variant !== 'primary' && `button--${variant}`, small && 'button--small', extra]
    .filter(Boolean)
    .join(' ');
}

interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  variant?: Variant;
  small?: boolean;
}

/** A button (submit by default, like a form's main action); at least 44 px high. */
export function Button({ variant = 'primary', small, className, type = 'submit', ...rest }: ButtonProps) {
  return <button type={type} className={classes(variant, small, className)} {...rest} />;
}

/** A link that looks like a button: for "start" actions that go to another page. */
export function ButtonLink(props: { to: string; variant?: Variant; small?: boolean; children: ReactNode }) {
  return (
    <Link to={props.to} className={classes(props.variant ?? 'primary', props.small)}>
      {props.children}
    </Link>
  );
}

/** Looks like a link, acts in place (e.g. "Revoke"). */
export function LinkButton(props: ButtonHTMLAttributes<HTMLButtonElement>) {
  return <button type="button" className="link-button" {...props} />;
}
