import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';

export interface FieldError {
  /** id of the field the message is about. */
  field: string;
  message: string;
}

/**
 * GOV.UK error summary: appears above the form after a failed submit, takes the focus, and
 * links each message to its field. It takes the focus when `focusKey` changes (each submit), or
 * without one when the messages change — never on a mere re-render while the user types.
 */
export function ErrorSummary({
  errors,
  title,
  focusKey,
}: {
  errors: FieldError[];
  title?: string;
  focusKey?: number;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  const shown = errors.length > 0;
  const trigger = focusKey ?? errors.map((e) => `${e.field}:${e.message}`).join('|');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the trigger decides when to take the focus
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [trigger]);
  if (errors.length === 0) return null;
  return (
    <div className="error-summary" ref={ref} tabIndex={-1} role="alert" aria-labelledby="error-summary-title">
      <h2 id="error-summary-title">{title ?? t('errors.title')}</h2>
      <ul>
        {errors.map((e) => (
          <li key={e.field + e.message}>
            <a
              href={`#${e.field}`}
              onClick={(event) => {
                event.preventDefault();
                document.getElementById(e.field)?.focus();
              }}
            >
              {e.message}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The message of one field, for the field's own `error` prop. */
export function errorFor(errors: FieldError[], field: string): string | undefined {
  return errors.find((e) => e.field === field)?.message;
}
