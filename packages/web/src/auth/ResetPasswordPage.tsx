/**
 * Choose a new password: from the emailed link (`/reset-password#token=…`) or with the code received
 * by SMS (`/reset-password/sms?login=…`). The server's refusals are shown translated, on their field.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { Button, ErrorMessage, ErrorSummary, Notice, Page, TextField } from '../design/index.ts';
import { Link, useLocation } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import {
  newPasswordProblems,
  type RecoveryProblem,
  recoveryFailure,
  resetWithCode,
  resetWithToken,
  tokenFromHash,
} from './recovery.ts';

export default function ResetPasswordPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const { search } = useLocation();
  const bySms = params.by === 'sms';
  const login = search.get('login') ?? '';
  const [token] = useState(() => tokenFromHash(window.location.hash));
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [problems, setProblems] = useState<RecoveryProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = problems.map((p) => ({ field: p.field, message: t(p.key) }));
  const errorOf = (field: string) => errors.find((e) => e.field === field)?.message;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    const found = [
      ...(bySms && !/^\d{6}$/.test(code.replace(/\s/g, ''))
        ? [{ field: 'code', key: 'recovery.errors.code' }]
        : []),
      ...newPasswordProblems(password, confirm),
    ];
    setProblems(found);
    if (found.length) return;
    setBusy(true);
    try {
      if (bySms)
        await resetWithCode(
          /^[a-z]{1,2}\d{5,6}$/i.test(login) ? login.toUpperCase() : login,
          code.replace(/\s/g, ''),
          password,
        );
      else await resetWithToken(token ?? '', password);
      // the token leaves the address bar once used
      window.history.replaceState(null, '', window.location.pathname);
      setDone(true);
    } catch (error) {
      const problem = recoveryFailure(error);
      if (problem) setProblems([problem]);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  if (done)
    return (
      <Page title={t('recovery.resetTitle')}>
        <Notice kind="success">
          <p>{t('recovery.done')}</p>
          <p>
            <Link to="/login">{t('recovery.signIn')}</Link>
          </p>
        </Notice>
      </Page>
    );
  if (!bySms && !token)
    return (
      <Page title={t('recovery.resetTitle')}>
        <Notice kind="warning">{t('recovery.noToken')}</Notice>
        <p>
          <Link to="/forgot-password">{t('recovery.again')}</Link>
        </p>
      </Page>
    );
  return (
    <Page title={t('recovery.resetTitle')}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      {bySms && <Notice>{t('recovery.sentSms')}</Notice>}
      <form onSubmit={submit} noValidate>
        {bySms && (
          <TextField
            id="code"
            label={t('recovery.code')}
            hint={t('recovery.codeHint')}
            error={errorOf('code')}
            value={code}
            inputMode="numeric"
            autoComplete="one-time-code"
            dir="ltr"
            short
            onChange={(e) => setCode(e.target.value)}
          />
        )}
        <TextField
          id="password"
          type="password"
          label={t('recovery.newPassword')}
          hint={t('recovery.newPasswordHint')}
          error={errorOf('password')}
          value={password}
          autoComplete="new-password"
          dir="ltr"
          onChange={(e) => setPassword(e.target.value)}
        />
        <TextField
          id="confirm"
          type="password"
          label={t('recovery.confirm')}
          error={errorOf('confirm')}
          value={confirm}
          autoComplete="new-password"
          dir="ltr"
          onChange={(e) => setConfirm(e.target.value)}
        />
        <Button disabled={busy}>{t('recovery.save')}</Button>
      </form>
      <p>
        <Link to="/forgot-password">{t('recovery.again')}</Link>
      </p>
    </Page>
  );
}
