/** The patient's phone and email: one pair for Sahti's messages and for the record (audited server-side). */
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { ANY, useDataMutation, useDataQuery } from '../data/index.ts';
import { Button, ErrorMessage, ErrorSummary, Notice, TextField } from '../design/index.ts';
import { contactDetails, saveContactDetails } from './acting-for.ts';
import { NS } from './i18n/index.ts';

const PHONE = /^\+?[0-9]{9,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function contactProblems(phone: string, email: string): { field: 'phone' | 'email'; key: string }[] {
  const problems: { field: 'phone' | 'email'; key: string }[] = [];
  if (phone.trim() && !PHONE.test(phone.replace(/[\s.\-()]/g, '')))
    problems.push({ field: 'phone', key: 'contact.errors.phone' });
  if (email.trim() && !EMAIL.test(email.trim()))
    problems.push({ field: 'email', key: 'contact.errors.email' });
  return problems;
}

export function ContactDetails() {
  const { t } = useTranslation(NS);
  const current = useDataQuery({
    types: ['Patient'],
    key: ['contact'],
    load: (signal) => contactDetails(signal),
  });
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const save = useDataMutation({
    write: () => saveContactDetails({ phone: phone.trim() || null, email: email.trim() || null }),
    changes: () => [{ resourceType: ANY }],
  });
  useEffect(() => {
    if (current.data) {
      setPhone(current.data.phone ?? '');
      setEmail(current.data.email ?? '');
    }
  }, [current.data]);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = contactProblems(phone, email).map((p) => ({ field: p.field, message: t(p.key) }));
    setProblems(found);
    if (found.length) return;
    try {
      await save.mutateAsync(undefined);
    } catch (error) {
      const fields =
        error instanceof ApiError ? (error.outcome?.issue ?? []).flatMap((i) => i.expression ?? []) : [];
      if (fields.length)
        setProblems(
          fields.map((f) => ({
            field: f,
            message: t(`contact.errors.${f === 'email' ? 'email' : 'phone'}`),
          })),
        );
    }
  };
  const errorOf = (field: string) => problems.find((p) => p.field === field)?.message;
  return (
    <section>
      <h2>{t('contact.title')}</h2>
      <p className="secondary">{t('contact.lede')}</p>
      <ErrorSummary errors={problems} />
      {save.isSuccess && <Notice kind="success">{t('contact.saved')}</Notice>}
      {save.isError && !(save.error instanceof ApiError && save.error.status === 400) && (
        <ErrorMessage error={save.error} />
      )}
      {current.isError && <ErrorMessage error={current.error} retry={() => void current.refetch()} />}
      <form onSubmit={submit} noValidate>
        <TextField
          id="phone"
          type="tel"
          label={t('contact.phone')}
          hint={t('contact.phoneHint')}
          error={errorOf('phone')}
          dir="ltr"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
        />
        <TextField
          id="email"
          type="email"
          label={t('contact.email')}
          error={errorOf('email')}
          dir="ltr"
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Button variant="secondary" disabled={save.isPending}>
          {t('contact.save')}
        </Button>
      </form>
    </section>
  );
}
