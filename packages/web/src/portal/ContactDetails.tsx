/**
 * The patient's phone and email: one pair for Sahti's messages and for the record (audited
 * server-side). A new number or address is confirmed by the code sent to it: until then the one in
 * force stays, and the new one waits (shown with a field for its code). Clearing needs no code.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { ANY, useDataMutation, useDataQuery } from '../data/index.ts';
import { Button, ErrorMessage, ErrorSummary, LinkButton, Notice, TextField } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import {
  type ContactDetailsView,
  confirmContactChange,
  contactDetails,
  saveContactDetails,
} from './acting-for.ts';
import { NS } from './i18n/index.ts';

const PHONE = /^\+?[0-9]{9,15}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Phone first, as everywhere in the portal. */
const CHANNELS = ['phone', 'email'] as const;
type Channel = (typeof CHANNELS)[number];

export function contactProblems(phone: string, email: string): { field: 'phone' | 'email'; key: string }[] {
  const problems: { field: 'phone' | 'email'; key: string }[] = [];
  if (phone.trim() && !PHONE.test(phone.replace(/[\s.\-()]/g, '')))
    problems.push({ field: 'phone', key: 'contact.errors.phone' });
  if (email.trim() && !EMAIL.test(email.trim()))
    problems.push({ field: 'email', key: 'contact.errors.email' });
  return problems;
}

/** What the form asks for: only the fields that differ from those in force (a field left out stays). */
export function contactChanges(
  current: Pick<ContactDetailsView, 'email' | 'phone'> | undefined,
  phone: string,
  email: string,
): { phone?: string | null; email?: string | null } {
  const wanted = { phone: phone.trim() || null, email: email.trim() || null };
  return Object.fromEntries(
    CHANNELS.filter((c) => wanted[c] !== (current?.[c] ?? null)).map((c) => [c, wanted[c]]),
  );
}

/** The message for a refused code, by the answer's status. */
function codeErrorKey(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return (
    {
      400: 'contact.errors.code',
      409: 'contact.errors.nothing',
      410: 'contact.errors.expired',
      429: 'contact.errors.tooMany',
    } as Record<number, string>
  )[error.status];
}

export function ContactDetails() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const current = useDataQuery({
    types: ['Patient'],
    key: ['contact'],
    load: (signal) => contactDetails(signal),
  });
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const [codes, setCodes] = useState<Record<Channel, string>>({ phone: '', email: '' });
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const save = useDataMutation({
    write: (body: { phone?: string | null; email?: string | null }) => saveContactDetails(body, language),
    changes: () => [{ resourceType: ANY }],
  });
  const confirm = useDataMutation({
    write: (body: { channel: Channel; code: string }) => confirmContactChange(body),
    changes: () => [{ resourceType: ANY }],
    done: (_, { channel }) => setCodes((c) => ({ ...c, [channel]: '' })),
  });
  useEffect(() => {
    if (current.data) {
      setPhone(current.data.phone ?? '');
      setEmail(current.data.email ?? '');
    }
  }, [current.data]);
  const pending = current.data?.pending ?? {};
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = contactProblems(phone, email).map((p) => ({ field: p.field, message: t(p.key) }));
    setProblems(found);
    if (found.length) return;
    confirm.reset();
    try {
      await save.mutateAsync(contactChanges(current.data, phone, email));
    } catch (error) {
      const fields =
        error instanceof ApiError && error.status === 400
          ? (error.outcome?.issue ?? []).flatMap((i) => i.expression ?? [])
          : [];
      if (fields.length)
        setProblems(
          fields.map((f) => ({
            field: f,
            message: t(`contact.errors.${f === 'email' ? 'email' : 'phone'}`),
          })),
        );
    }
  };
  const submitCode = (channel: Channel) => async (event: FormEvent) => {
    event.preventDefault();
    const code = codes[channel].replace(/\s/g, '');
    if (!/^\d{6}$/.test(code)) {
      setProblems([{ field: `code-${channel}`, message: t('contact.errors.codeFormat') }]);
      return;
    }
    setProblems([]);
    save.reset();
    await confirm.mutateAsync({ channel, code }).catch(() => undefined);
  };
  const again = (channel: Channel, value: string | null) => {
    confirm.reset();
    setProblems([]);
    void save.mutateAsync({ [channel]: value }).catch(() => undefined);
  };
  const errorOf = (field: string) => problems.find((p) => p.field === field)?.message;
  const refusedCode = confirm.isError ? codeErrorKey(confirm.error) : undefined;
  const waiting = Object.keys(pending).length > 0;
  return (
    <section>
      <h2>{t('contact.title')}</h2>
      <p className="secondary">{t('contact.lede')}</p>
      <ErrorSummary errors={problems} />
      {save.isSuccess && !waiting && <Notice kind="success">{t('contact.saved')}</Notice>}
      {confirm.isSuccess && <Notice kind="success">{t('contact.confirmed')}</Notice>}
      {save.isError && save.error instanceof ApiError && save.error.status === 429 && (
        <Notice kind="warning">{t('contact.errors.tooMany')}</Notice>
      )}
      {save.isError && !(save.error instanceof ApiError && [400, 429].includes(save.error.status)) && (
        <ErrorMessage error={save.error} />
      )}
      {confirm.isError && !refusedCode && <ErrorMessage error={confirm.error} />}
      {current.isError && <ErrorMessage error={current.error} retry={() => void current.refetch()} />}
      <div className="stack">
        {CHANNELS.map((channel) => {
          const value = pending[channel];
          if (!value) return null;
          const id = `code-${channel}`;
          return (
            <form
              key={channel}
              className="card stack"
              onSubmit={submitCode(channel)}
              noValidate
              data-testid={`pending-${channel}`}
            >
              <Notice>
                {t(channel === 'phone' ? 'contact.codeSentPhone' : 'contact.codeSentEmail', {
                  // a number or address reads left to right, also inside Arabic text
                  value: `\u2066${value}\u2069`,
                })}
              </Notice>
              <TextField
                id={id}
                label={t(channel === 'phone' ? 'contact.codePhone' : 'contact.codeEmail')}
                error={
                  errorOf(id) ??
                  (confirm.variables?.channel === channel && refusedCode ? t(refusedCode) : undefined)
                }
                value={codes[channel]}
                inputMode="numeric"
                autoComplete="one-time-code"
                dir="ltr"
                short
                onChange={(e) => setCodes((c) => ({ ...c, [channel]: e.target.value }))}
              />
              <div className="cluster">
                <Button disabled={confirm.isPending}>{t('contact.confirm')}</Button>
                <LinkButton onClick={() => again(channel, value)} disabled={save.isPending}>
                  {t('contact.resend')}
                </LinkButton>
                <LinkButton
                  onClick={() => again(channel, current.data?.[channel] ?? null)}
                  disabled={save.isPending}
                >
                  {t('contact.cancel')}
                </LinkButton>
              </div>
            </form>
          );
        })}
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
          <p className="field__hint">{t('contact.codeHint')}</p>
          <Button variant="secondary" disabled={save.isPending}>
            {t('contact.save')}
          </Button>
        </form>
      </div>
    </section>
  );
}
