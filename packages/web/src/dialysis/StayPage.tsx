/**
 * One stay, for the patient: what the centre asks for and what to do about each item (adding a
 * fresh result here), the consent to share the summary (and to transfer it abroad), sending; then
 * the centre's answer, confirming the sessions held, the sessions and the end-of-stay letter.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/screen.ts';
import { localDate } from '../booking/time.ts';
import { invalidate } from '../data/index.ts';
import {
  Button,
  ButtonLink,
  Card,
  Choices,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Notice,
  Page,
  SelectField,
  Tag,
  TextField,
} from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { addResult, STAY_TYPES, type StayView } from './api.ts';
import { Checklist } from './Checklist.tsx';
import { NS } from './i18n/index.ts';
import './dialysis.css';
import { Letter } from './Letter.tsx';
import { stateKind } from './rules.ts';
import { Sessions } from './Sessions.tsx';
import { useStay, useStayAction } from './useStay.ts';

function AddResult() {
  const { t } = useTranslation(NS);
  const [added, setAdded] = useState(false);
  const today = localDate(new Date());
  const form = useForm({
    initial: { test: 'hcv', date: today, result: 'negative', lab: '' },
    validate: (v) => [
      ...(v.date && v.date <= today ? [] : [{ field: 'date' as const, key: 'result.dateError' }]),
      ...(v.result.trim() ? [] : [{ field: 'result' as const, key: 'result.valueError' }]),
    ],
    message: (p) => t(p.key),
    submit: async (v) => {
      setAdded(false);
      await addResult(v);
      await invalidate(STAY_TYPES.map((resourceType) => ({ resourceType })));
      setAdded(true);
    },
  });
  const ecg = form.values.test === 'ecg';
  return (
    <Card title={t('result.title')} level={3} testId="dialysis-add-result">
      <form onSubmit={form.onSubmit} noValidate className="stack">
        <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
        <SelectField
          {...form.text('test')}
          onChange={(e) => {
            form.set('test', e.target.value);
            form.set('result', e.target.value === 'ecg' ? '' : 'negative');
          }}
          label={t('result.test')}
          options={(['hcv', 'hbv', 'hiv', 'ecg'] as const).map((v) => ({
            value: v,
            label: t(`result.tests.${v}`),
          }))}
        />
        <TextField {...form.text('date')} type="date" label={t('result.date')} short />
        {ecg ? (
          <TextField {...form.text('result')} label={t('result.ecgValue')} />
        ) : (
          <Choices
            id="result"
            type="radio"
            legend={t('result.value')}
            value={[form.values.result]}
            onChange={([v]) => form.set('result', v ?? 'negative')}
            options={[
              { value: 'negative', label: t('result.negative') },
              { value: 'positive', label: t('result.positive') },
            ]}
          />
        )}
        <TextField {...form.text('lab')} label={t('result.lab')} />
        <Button variant="secondary" disabled={form.submitting}>
          {t('result.add')}
        </Button>
        {added && <Notice kind="success">{t('result.added')}</Notice>}
        {form.failure !== undefined && <ErrorMessage error={form.failure} />}
      </form>
    </Card>
  );
}

function SendForm({ stay }: { stay: StayView }) {
  const { t } = useTranslation(NS);
  const action = useStayAction(stay.id);
  const [share, setShare] = useState(false);
  const [abroad, setAbroad] = useState(false);
  const [tried, setTried] = useState(0);
  const errors = [
    ...(share ? [] : [{ field: 'share', message: t('stay.shareMissing') }]),
    ...(!stay.abroad || abroad ? [] : [{ field: 'abroad', message: t('stay.abroadMissing') }]),
  ];
  const send = () => {
    setTried((n) => n + 1);
    if (errors.length === 0)
      action.mutate({ action: 'send', body: { shareSummary: share, transferAbroad: abroad } });
  };
  return (
    <form
      className="stack"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {tried > 0 && <ErrorSummary errors={errors} focusKey={tried} />}
      <Choices
        id="share"
        type="checkbox"
        legend={t('stay.send')}
        error={tried > 0 && !share ? t('stay.shareMissing') : undefined}
        value={share ? ['yes'] : []}
        onChange={(v) => setShare(v.includes('yes'))}
        options={[{ value: 'yes', label: t('stay.share', { centre: stay.centre.name }) }]}
      />
      {stay.abroad && (
        <Choices
          id="abroad"
          type="checkbox"
          legend={t('trip.abroad')}
          error={tried > 0 && !abroad ? t('stay.abroadMissing') : undefined}
          value={abroad ? ['yes'] : []}
          onChange={(v) => setAbroad(v.includes('yes'))}
          options={[{ value: 'yes', label: t('stay.abroad', { country: stay.centre.country ?? '' }) }]}
        />
      )}
      <Button disabled={action.isPending}>{t('stay.send')}</Button>
      {action.isError && <ErrorMessage error={action.error} />}
    </form>
  );
}

export default function StayPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const found = useStay(params.id ?? '');
  const action = useStayAction(params.id ?? '');
  const stay = found.data;
  if (!stay)
    return (
      <Page title={t('home.title')} back={{ to: '/portal/dialysis', label: t('stay.back') }}>
        {found.isPending ? (
          <Loading />
        ) : (
          <ErrorMessage error={found.error} retry={() => void found.refetch()} />
        )}
      </Page>
    );
  const ready = (stay.readiness ?? []).every((i) => !i.blocking) && stay.noticeOk !== false;
  const cancellable = ['draft', 'sent', 'accepted', 'confirmed'].includes(stay.state);
  return (
    <Page
      title={t('stay.title', { centre: stay.centre.name })}
      back={{ to: '/portal/dialysis', label: t('stay.back') }}
      lede={t('stay.dates', { arrival: format.date(stay.arrival), departure: format.date(stay.departure) })}
    >
      <p data-testid="stay-state">
        <Tag kind={stateKind(stay.state)}>{t(`state.${stay.state}`)}</Tag>
      </p>
      {stay.state === 'declined' && (
        <Notice kind="warning">
          {t('stay.declined')}{' '}
          {stay.decline?.text ?? (stay.decline?.reason ? t(`review.reasons.${stay.decline.reason}`) : '')}
        </Notice>
      )}
      {stay.state === 'sent' && <Notice>{t('stay.sent')}</Notice>}
      {stay.state === 'cancelled' && <Notice>{t('stay.cancelled')}</Notice>}
      {stay.readiness && (
        <Card title={t('stay.checks')} level={2}>
          {stay.state === 'draft' && (
            <p>
              <strong>{ready ? t('stay.ready') : t('stay.notReady')}</strong>
            </p>
          )}
          {stay.noticeOk === false && <Notice kind="warning">{t('stay.notice')}</Notice>}
          <Checklist items={stay.readiness} forPatient />
          {stay.approval?.date && (
            <p className="secondary">
              {t('stay.approvedBy', {
                name: stay.approval.by?.display ?? '',
                date: format.date(stay.approval.date),
              })}
            </p>
          )}
        </Card>
      )}
      {stay.state === 'draft' && <AddResult />}
      {stay.state === 'draft' && ready && <SendForm stay={stay} />}
      {stay.state === 'accepted' && <Notice kind="success">{t('stay.accepted')}</Notice>}
      {stay.state === 'confirmed' && <Notice kind="success">{t('stay.confirmed')}</Notice>}
      {stay.sessions.length > 0 && (
        <Card title={t('stay.sessions')} level={2}>
          <Sessions sessions={stay.sessions} />
        </Card>
      )}
      {stay.state === 'accepted' && (
        <Button
          type="button"
          disabled={action.isPending}
          onClick={() => action.mutate({ action: 'confirm' })}
        >
          {t('stay.confirm')}
        </Button>
      )}
      {stay.letter && <Letter letter={stay.letter} />}
      {stay.hasSummary && (
        <ButtonLink to={`/portal/dialysis/stays/${stay.id}/summary`} variant="secondary">
          {t('stay.summary')}
        </ButtonLink>
      )}
      {cancellable && (
        <Button
          type="button"
          variant="warning"
          disabled={action.isPending}
          onClick={() => action.mutate({ action: 'cancel', body: {} })}
        >
          {t('stay.cancel')}
        </Button>
      )}
      {action.isError && <ErrorMessage error={action.error} />}
    </Page>
  );
}
