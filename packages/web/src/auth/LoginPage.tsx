/**
 * Sign in. Patients give their CNIE number and password; staff give their login and password,
 * then — on a second page, when the server asks — the code of their authenticator app (or the
 * one sent by email). Errors follow GOV.UK: a summary on top, each message by its field.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { login } from '../api/auth.ts';
import { homeFor } from '../app/areas.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  errorFor,
  LinkButton,
  Page,
  TextField,
} from '../design/index.ts';
import { safeNext } from '../router/match.ts';
import { Link, navigate, useLocation } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import {
  type AccountKind,
  codeProblems,
  credentialProblems,
  interpretLoginFailure,
  type LoginProblem,
  normaliseLogin,
  type SecondFactor,
} from './login-rules.ts';
import { useSession } from './session.tsx';

export default function LoginPage() {
  const { t } = useTranslation(NS);
  const session = useSession();
  const { search } = useLocation();
  const [kind, setKind] = useState<AccountKind>(search.get('as') === 'staff' ? 'staff' : 'patient');
  const [loginValue, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [factor, setFactor] = useState<SecondFactor>();
  const [problems, setProblems] = useState<LoginProblem[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const errors = problems.map((p) => ({ field: p.field, message: t(`errors.${p.key}`) }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = factor ? codeProblems(code) : credentialProblems(kind, loginValue, password);
    setProblems(found);
    setFailure(undefined);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const secondFactor = factor === 'totp' ? { totp: code.replace(/\s/g, '') } : {};
      const emailCode = factor === 'email-code' ? { code: code.replace(/\s/g, '') } : {};
      const user = await login({
        login: normaliseLogin(kind, loginValue),
        password,
        ...secondFactor,
        ...emailCode,
      });
      session.signedIn(user);
      const next = safeNext(search.get('next'), homeFor(user));
      navigate(next.startsWith('/login') ? homeFor(user) : next, { replace: true });
    } catch (error) {
      const outcome = interpretLoginFailure(error);
      if (outcome.next === 'second-factor') {
        setFactor(outcome.factor);
        setCode('');
      } else if (outcome.next === 'problem') setProblems([outcome.problem]);
      else setFailure(outcome.error);
    } finally {
      setBusy(false);
    }
  }

  const startAgain = () => {
    setFactor(undefined);
    setPassword('');
    setCode('');
    setProblems([]);
  };

  if (factor) {
    return (
      <Page title={t('secondFactorTitle')}>
        <ErrorSummary errors={errors} />
        {failure !== undefined && <ErrorMessage error={failure} />}
        <form onSubmit={submit} noValidate>
          <TextField
            id="code"
            label={factor === 'totp' ? t('totp') : t('emailCode')}
            hint={factor === 'totp' ? t('totpHint') : t('emailCodeHint')}
            error={errorFor(errors, 'code')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            inputMode="numeric"
            autoComplete="one-time-code"
            dir="ltr"
            short
          />
          <div className="cluster">
            <Button disabled={busy}>{t('verify')}</Button>
            <LinkButton onClick={startAgain}>{t('startAgain')}</LinkButton>
          </div>
        </form>
      </Page>
    );
  }

  return (
    <Page title={t('title')} lede={t('lede')}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      <form onSubmit={submit} noValidate>
        <Choices
          id="kind"
          legend={t('who')}
          type="radio"
          options={[
            { value: 'patient', label: t('patient') },
            { value: 'staff', label: t('staff') },
          ]}
          value={[kind]}
          onChange={([value]) => {
            setKind(value === 'staff' ? 'staff' : 'patient');
            setProblems([]);
          }}
        />
        <TextField
          id="login"
          label={kind === 'patient' ? t('cnie') : t('login')}
          hint={kind === 'patient' ? t('cnieHint') : t('loginHint')}
          error={errorFor(errors, 'login')}
          value={loginValue}
          onChange={(e) => setLogin(e.target.value)}
          autoComplete="username"
          autoCapitalize={kind === 'patient' ? 'characters' : 'none'}
          spellCheck={false}
          dir="ltr"
        />
        <TextField
          id="password"
          type="password"
          label={t('password')}
          error={errorFor(errors, 'password')}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          autoComplete="current-password"
          dir="ltr"
        />
        <Button disabled={busy}>{t('submit')}</Button>
      </form>
      <p>
        <Link
          to={
            loginValue.trim()
              ? `/forgot-password?login=${encodeURIComponent(loginValue.trim())}`
              : '/forgot-password'
          }
        >
          {t('forgot')}
        </Link>
      </p>
    </Page>
  );
}
