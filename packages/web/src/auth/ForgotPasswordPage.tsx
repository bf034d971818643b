/** "Forgotten password": a link by email, or a code by SMS (then the code page). */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button, Choices, ErrorMessage, ErrorSummary, Notice, Page, TextField } from '../design/index.ts';
import { Link, navigate, useLocation } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import { askResetLink, askResetSms } from './recovery.ts';

export default function ForgotPasswordPage() {
  const { t } = useTranslation(NS);
  const { search } = useLocation();
  const [login, setLogin] = useState(search.get('login') ?? '');
  const [how, setHow] = useState<'email' | 'sms'>('email');
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = login.trim();
    setFailure(undefined);
    if (!value) return setProblem(t('recovery.errors.login'));
    setProblem(undefined);
    setBusy(true);
    try {
      if (how === 'sms') {
        await askResetSms(/^[a-z]{1,2}\d{5,6}$/i.test(value) ? value.toUpperCase() : value);
        navigate(`/reset-password/sms?login=${encodeURIComponent(value)}`);
      } else {
        await askResetLink(value);
        setSent(true);
      }
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page
      title={t('recovery.title')}
      lede={t('recovery.lede')}
      back={{ to: '/login', label: t('recovery.signIn') }}
    >
      <ErrorSummary errors={problem ? [{ field: 'login', message: problem }] : []} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      {sent ? (
        <Notice kind="success">
          <p>{t('recovery.sentEmail')}</p>
          <p>
            <Link to="/login">{t('recovery.signIn')}</Link>
          </p>
        </Notice>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            id="login"
            label={t('recovery.login')}
            hint={t('recovery.loginHint')}
            error={problem}
            value={login}
            autoComplete="username"
            dir="ltr"
            onChange={(e) => setLogin(e.target.value)}
          />
          <Choices
            id="how"
            legend={t('recovery.how')}
            type="radio"
            options={[
              { value: 'email', label: t('recovery.byEmail') },
              { value: 'sms', label: t('recovery.bySms') },
            ]}
            value={[how]}
            onChange={([v]) => setHow(v === 'sms' ? 'sms' : 'email')}
          />
          <Button disabled={busy}>{t('recovery.send')}</Button>
        </form>
      )}
    </Page>
  );
}
