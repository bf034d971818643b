/**
 * The verification page: anyone holding the code sees the prescription's status and what it
 * prescribes; a pharmacist, signed in with their account, records the dispensing, once.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { hasRole } from '../api/auth.ts';
import type { PageProps } from '../app/routes.ts';
import { useSession } from '../auth/session.tsx';
import { useDataQuery } from '../data/index.ts';
import {
  Button,
  Card,
  ErrorMessage,
  Loading,
  Notice,
  Page,
  SummaryList,
  TextField,
} from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link, navigate } from '../router/router.tsx';
import { DispenseForm } from './DispenseForm.tsx';
import { NS } from './i18n/index.ts';
import { verifyPrescription } from './verify.ts';

export default function VerifyPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const [typed, setTyped] = useState(params.code ?? '');
  const code = params.code;
  return (
    <Page title={t('title')} lede={t('lede')}>
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          if (typed.trim()) navigate(`/verify/${encodeURIComponent(typed.trim())}`);
        }}
      >
        <TextField
          id="code"
          label={t('code')}
          hint={t('codeHint')}
          value={typed}
          dir="ltr"
          autoComplete="off"
          onChange={(e) => setTyped(e.target.value)}
        />
        <Button>{t('check')}</Button>
      </form>
      {code && <Result code={code} />}
    </Page>
  );
}

function Result({ code }: { code: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const { user } = useSession();
  const pharmacist = hasRole(user, 'pharmacist');
  const result = useDataQuery({
    types: ['MedicationRequest'],
    key: ['verify', code],
    load: (signal) => verifyPrescription(code, signal),
  });
  const [done, setDone] = useState(false);
  // another pharmacy got there first (or the prescriber withdrew it) while this page was open
  const [refused, setRefused] = useState(false);
  if (result.isPending) return <Loading />;
  if (result.isError) return <ErrorMessage error={result.error} retry={() => void result.refetch()} />;
  const v = result.data;
  if (!v) return <Notice kind="warning">{t('unknown')}</Notice>;
  const kind = v.status === 'valid' ? 'success' : 'warning';
  return (
    <Card testId="verification">
      {refused && (
        <div className="notice notice--warning" role="alert">
          <p>
            <strong>{t(`refused.${v.status === 'valid' ? 'dispensed' : v.status}`)}</strong>
          </p>
        </div>
      )}
      <div className={`notice notice--${kind}`} role="status">
        <p className="verify-status">{t(`status.${v.status}`)}</p>
        {v.dispensedAt && (
          <p>
            {t('dispensedAt', { date: format.date(v.dispensedAt, { time: true }), by: v.dispensedBy ?? '' })}
          </p>
        )}
      </div>
      {v.status !== 'tampered' && (
        <>
          <SummaryList
            rows={[
              [
                t('prescriber'),
                [v.prescriber?.name, v.prescriber?.inpe && `INPE ${v.prescriber.inpe}`]
                  .filter(Boolean)
                  .join(' — '),
              ],
              [t('patient'), [v.patient?.initials, v.patient?.birthYear].filter(Boolean).join(', ')],
              [t('issued'), format.date(v.issued)],
              ...(v.validUntil ? [[t('validUntil'), format.date(v.validUntil)] as [string, string]] : []),
            ]}
          />
          <h2>{t('medicines')}</h2>
          <ul>
            {v.items?.map((item) => (
              <li key={`${item.medication}-${item.dosage}`}>
                <strong>
                  <bdi>{item.medication}</bdi>
                </strong>{' '}
                — <bdi>{item.dosage}</bdi> ({t('boxes', { count: item.quantity, days: item.durationDays })}
                {item.substitution === false ? `, ${t('noSubstitution')}` : ''})
              </li>
            ))}
          </ul>
        </>
      )}
      {v.status === 'valid' && !done && !pharmacist && (
        <Notice kind="info">
          {t('signInToDispense')}{' '}
          <Link to={`/login?next=${encodeURIComponent(`/verify/${code}`)}`}>{t('signIn')}</Link>
        </Notice>
      )}
      {v.status === 'valid' && !done && pharmacist && (
        <DispenseForm
          code={code}
          onDone={() => {
            setDone(true);
            void result.refetch();
          }}
          onRefused={() => {
            setRefused(true);
            void result.refetch();
          }}
        />
      )}
      {done && <Notice kind="success">{t('dispensed')}</Notice>}
    </Card>
  );
}
