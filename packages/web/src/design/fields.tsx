/**
 * Form fields, GOV.UK pattern: label, hint, then the error message right above the input, all
 * tied to the input by aria-describedby. One component per kind of input.
 */
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';

interface FieldFrame {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
}

function describedBy({ id, hint, error }: FieldFrame): string | undefined {
  return [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
}

function Frame({ frame, children }: { frame: FieldFrame; children: ReactNode }) {
  return (
    <div className={frame.error ? 'field field--error' : 'field'}>
      <label className="field__label" htmlFor={frame.id}>
        {frame.label}
      </label>
      {frame.hint && (
        <span className="field__hint" id={`${frame.id}-hint`}>
          {frame.hint}
        </span>
      )}
      {frame.error && (
        <span className="field__error" id={`${frame.id}-error`}>
          {frame.error}
        </span>
      )}
      {children}
    </div>
  );
}

type TextFieldProps = FieldFrame & InputHTMLAttributes<HTMLInputElement> & { short?: boolean };

export function TextField({ id, label, hint, error, short, className, ...input }: TextFieldProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <input
        id={id}
        name={id}
        className={['input', short && 'input--short', className].filter(Boolean).join(' ')}
        aria-describedby={describedBy(frame)}
        aria-invalid={error ? true : undefined}
        {...input}
      />
    </Frame>
  );
}

type TextAreaProps = FieldFrame & TextareaHTMLAttributes<HTMLTextAreaElement>;

export function TextArea({ id, label, hint, error, ...input }: TextAreaProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <textarea
        id={id}
        name={id}
        className="textarea"
        rows={4}
        aria-describedby={describedBy(frame)}
        aria-invalid={error ? true : undefined}
        {...input}
      />
    </Frame>
  );
}

type SelectFieldProps = FieldFrame &
  SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] };

export function SelectField({ id, label, hint, error, options, ...select }: SelectFieldProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <select
        id={id}
        name={id}
        className="select"
        aria-describedby={describedBy(frame)}
        aria-invalid={error ? true : undefined}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Frame>
  );
}

interface ChoicesProps {
  id: string;
  legend: ReactNode;
  hint?: ReactNode;
  error?: string;
  type: 'radio' | 'checkbox';
  options: { value: string; label: ReactNode }[];
  /** Checked values (one for radios). */
  value: string[];
  onChange(value: string[]): void;
}

/** Radios or checkboxes in a fieldset whose legend asks the question. */
export function Choices({ id, legend, hint, error, type, options, value, onChange }: ChoicesProps) {
  const toggle = (option: string, checked: boolean) =>
    onChange(type === 'radio' ? [option] : checked ? [...value, option] : value.filter((v) => v !== option));
  return (
    <div className={error ? 'field field--error' : 'field'}>
      <fieldset className="fieldset" aria-describedby={describedBy({ id, label: legend, hint, error })}>
        <legend className="fieldset__legend">{legend}</legend>
        {hint && (
          <span className="field__hint" id={`${id}-hint`}>
            {hint}
          </span>
        )}
        {error && (
          <span className="field__error" id={`${id}-error`}>
            {error}
          </span>
        )}
        {options.map((o, i) => (
          <label className="choice" key={o.value}>
            <input
              type={type}
              id={i === 0 ? id : `${id}-${o.value}`}
              name={id}
              value={o.value}
              checked={value.includes(o.value)}
              onChange={(e) => toggle(o.value, e.target.checked)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </fieldset>
    </div>
  );
}

type QuantityFieldProps = FieldFrame & InputHTMLAttributes<HTMLInputElement> & { unit: string };

/**
 * A number with its unit after it in reading order (right of it in French, left in Arabic): the
 * number and the unit are separate boxes, so bidi never puts "mmHg" before "152".
 */
export function QuantityField({ id, label, hint, error, unit, ...input }: QuantityFieldProps) {
  const frame = { id, label, hint, error };
  return (
    <Frame frame={frame}>
      <div className="quantity">
        <input
          id={id}
          name={id}
          className="input input--number"
          inputMode="decimal"
          dir="ltr"
          autoComplete="off"
          aria-describedby={describedBy(frame)}
          aria-invalid={error ? true : undefined}
          {...input}
        />
        <span className="quantity__unit" dir="ltr">
          {unit}
        </span>
      </div>
    </Frame>
  );
}
