/**
 * One form's state, the GOV.UK way: values; after the first submit, each field's problem shown
 * next to it and all of them in an error summary that takes the focus; the submit state; and a
 * server refusal (OperationOutcome) put on the fields its `expression` names, or shown whole when
 * it names none. Pages give the values, the rules (pure) and the write; nothing else to plumb.
 */
import { type FormEvent, useCallback, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import type { FieldError } from '../design/ErrorSummary.tsx';
import { blamedFields, type FieldPaths } from './outcome-fields.ts';

export type FieldOf<V> = Extract<keyof V, string>;
type TextFieldOf<V> = { [K in FieldOf<V>]: V[K] extends string ? K : never }[FieldOf<V>];

/** A problem found by a form's rules: the field, and the key of the message saying how to fix it. */
export interface FormProblem<F extends string> {
  field: F;
  key: string;
}

export interface FormSpec<V> {
  initial: V;
  /** The form's rules (a pure function beside the page, unit-tested). */
  validate(values: V): FormProblem<FieldOf<V>>[];
  /** A problem's message in the user's language, saying how to fix it. */
  message(problem: FormProblem<FieldOf<V>>): string;
  /** Writes the values. A refusal that names fields' elements is shown next to those fields. */
  submit(values: V): Promise<unknown>;
  /** The element paths each field writes (`Location.position.latitude`), to place a refusal. */
  serverPaths?: FieldPaths<FieldOf<V>>;
  /** The resource type of each entry of the written transaction, in order. */
  entryTypes?: string[];
  /** The problem key whose message explains a refusal of that field (else a general message). */
  refusedKey?: Partial<Record<FieldOf<V>, string>>;
}

export interface Form<V> {
  values: V;
  set<K extends FieldOf<V>>(field: K, value: V[K]): void;
  /** New values (the record loaded for editing); problems and refusals are forgotten. */
  reset(values: V): void;
  /** Props of a text input or select for a string field: id, value, error, onChange. */
  text<K extends TextFieldOf<V>>(
    field: K,
  ): { id: K; value: string; error?: string; onChange(event: { target: { value: string } }): void };
  errorOf(field: FieldOf<V>): string | undefined;
  /** Every field's problem, in the order of the fields, for the ErrorSummary. */
  errors: FieldError[];
  /** Changes on each submit and each refusal: the ErrorSummary takes the focus then, not on every keystroke. */
  focusKey: number;
  /** A failure no field explains (network, conflict, forbidden…), for an ErrorMessage. */
  failure: unknown;
  submitting: boolean;
  onSubmit(event?: FormEvent): void;
}

export function useForm<V extends object>(spec: FormSpec<V>): Form<V> {
  const { t } = useTranslation();
  const [values, setValues] = useState<V>(spec.initial);
  const [attempt, setAttempt] = useState(0);
  const [focusKey, setFocusKey] = useState(0);
  const [refused, setRefused] = useState<FieldOf<V>[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [submitting, setSubmitting] = useState(false);
  const latest = useRef(spec);
  latest.current = spec;

  const set = useCallback(<K extends FieldOf<V>>(field: K, value: V[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setRefused((r) => (r.includes(field) ? r.filter((f) => f !== field) : r));
  }, []);

  const reset = useCallback((next: V) => {
    setValues(next);
    setAttempt(0);
    setRefused([]);
    setFailure(undefined);
  }, []);

  const order = Object.keys(spec.initial) as FieldOf<V>[];
  const problems = attempt > 0 ? spec.validate(values) : [];
  const messages = new Map<string, string>();
  for (const problem of problems) {
    if (!messages.has(problem.field)) messages.set(problem.field, spec.message(problem));
  }
  for (const field of refused) {
    if (messages.has(field)) continue;
    const key = spec.refusedKey?.[field];
    messages.set(field, key ? spec.message({ field, key }) : t('form.refused'));
  }
  const errors = order
    .filter((field) => messages.has(field))
    .map((field) => ({ field, message: messages.get(field) ?? '' }));
  const errorOf = (field: FieldOf<V>) => messages.get(field);

  const onSubmit = (event?: FormEvent) => {
    event?.preventDefault();
    if (submitting) return;
    const current = latest.current;
    setAttempt((n) => n + 1);
    setFocusKey((n) => n + 1);
    setFailure(undefined);
    setRefused([]);
    if (current.validate(values).length > 0) return;
    setSubmitting(true);
    current.submit(values).then(
      () => setSubmitting(false),
      (error: unknown) => {
        const blamed =
          error instanceof ApiError && current.serverPaths
            ? blamedFields(error.outcome, current.serverPaths, current.entryTypes)
            : [];
        if (blamed.length > 0) {
          setRefused(blamed);
          setFocusKey((n) => n + 1);
        } else setFailure(error);
        setSubmitting(false);
      },
    );
  };

  return {
    values,
    set,
    reset,
    text: (field) => ({
      id: field,
      value: values[field] as string,
      error: messages.get(field),
      onChange: (event) => set(field, event.target.value as V[typeof field]),
    }),
    errorOf,
    errors,
    focusKey,
    failure,
    submitting,
    onSubmit,
  };
}
