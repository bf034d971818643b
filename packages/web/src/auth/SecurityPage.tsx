/** Staff manage their second factor: set up (or replace) the authenticator app, confirmed by a code. */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { Button, ErrorMessage, ErrorSummary, Notice, Page, TextField } from '../design/index.ts';
import { NS } from './i18n/index.ts';
import { confirmTotp, startTotp } from './recovery.ts';
import { useSession } from './session.tsx';

export default function SecurityPage() {
  const { t } = useTranslation(NS);
  const { user } = useSession();
  const [pending, setPending] = useState<{ secret: string; otpauthUri: string }>();
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState(false);
  if (!user) return null;
  if (user.kind !== 'staff')
    return (
      <Page title={t('security.title')}>
        <p>{t('security.patients')}</p>
      </Page>
    );
  const begin = async () => {
    setFailure(undefined);
    setDone(false);
    try {
      setPending(await startTotp());
    } catch (error) {
      setFailure(error);
    }
  };
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s/g, ''))) return setProblem(t('errors.codeFormat'));
    setProblem(undefined);
    try {
      await confirmTotp(code.replace(/\s/g, ''));
      setDone(true);
      setPending(undefined);
      setCode('');
    } catch (error) {
      if (error instanceof ApiError && error.status === 400) setProblem(t('security.wrongCode'));
      else setFailure(error);
    }
  };
  return (
    <Page title={t('security.title')} lede={t('security.lede')}>
      {done && <Notice kind="success">{t('security.done')}</Notice>}
      {failure !== undefined && <ErrorMessage error={failure} />}
      <p>{user.hasTotp || done ? t('security.active') : t('security.none')}</p>
      {!pending ? (
        <>
          <p className="secondary">{t('security.startHint')}</p>
          <Button type="button" variant="secondary" onClick={() => void begin()}>
            {t('security.start')}
          </Button>
        </>
      ) : (
        <form onSubmit={confirm} noValidate>
          <ErrorSummary errors={problem ? [{ field: 'code', message: problem }] : []} />
          <h2>{t('security.secret')}</h2>
          <p className="field__hint">{t('security.secretHint')}</p>
          <p className="h2-like" dir="ltr" data-testid="totp-secret">
            <code>{pending.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
          </p>
          <p>
            <a href={pending.otpauthUri}>{t('security.link')}</a>
          </p>
          <TextField
            id="code"
            label={t('security.code')}
            error={problem}
            value={code}
            inputMode="numeric"
            autoComplete="one-time-code"
            dir="ltr"
            short
            onChange={(e) => setCode(e.target.value)}
          />
          <Button>{t('security.confirm')}</Button>
        </form>
      )}
    </Page>
  );
}
