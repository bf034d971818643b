/** The patient's consultation: consent, then the waiting room and the call, then the survey. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { invalidate } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Notice,
  Page,
  TextArea,
} from '../design/index.ts';
import { checkIn, sendSurvey } from './api.ts';
import { CallView } from './CallView.tsx';
import { NS } from './i18n/index.ts';
import { useConsultation } from './useConsultation.ts';

const refresh = () => invalidate([{ resourceType: 'Appointment' }, { resourceType: 'Encounter' }]);

export default function PatientConsultationPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const appointment = params.appointment;
  const state = useConsultation(appointment);
  const [failure, setFailure] = useState<unknown>();
  if (state.isError)
    return (
      <Page title={t('room.title')}>
        <ErrorMessage error={state.error} retry={() => void state.refetch()} />
      </Page>
    );
  if (!state.data) return <Loading />;
  const s = state.data;
  const doctor = s.practitioners[0]?.name ?? '';
  const finished = s.encounter?.status === 'finished' || s.status === 'fulfilled';
  return (
    <Page title={t('room.title')} back={{ to: '/portal/consultations', label: t('list.title') }}>
      {failure !== undefined && <ErrorMessage error={failure} />}
      {finished ? (
        <>
          <Notice kind="success">{t('room.ended')}</Notice>
          {s.satisfaction ? (
            <p>{t('survey.thanks')}</p>
          ) : (
            <Survey appointment={appointment} onDone={() => void state.refetch()} />
          )}
        </>
      ) : !s.consent ? (
        <ConsentForm
          onSubmit={async () => {
            try {
              await checkIn(appointment);
              await refresh();
            } catch (error) {
              setFailure(error);
            }
          }}
        />
      ) : (
        <>
          <Notice>{t('room.waiting', { name: doctor })}</Notice>
          <CallView state={s} onEnded={() => void state.refetch()} />
        </>
      )}
    </Page>
  );
}

function ConsentForm({ onSubmit }: { onSubmit(): Promise<void> }) {
  const { t } = useTranslation(NS);
  const [checked, setChecked] = useState<string[]>([]);
  const [error, setError] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="consent"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (checked.length < 3) return setError(true);
        setBusy(true);
        void onSubmit().finally(() => setBusy(false));
      }}
    >
      <ErrorSummary
        errors={error && checked.length < 3 ? [{ field: 'consent', message: t('consent.missing') }] : []}
      />
      <h2>{t('consent.title')}</h2>
      <p>{t('consent.lede')}</p>
      <Choices
        id="consent"
        legend={t('consent.title')}
        type="checkbox"
        error={error && checked.length < 3 ? t('consent.missing') : undefined}
        options={[
          { value: 'remote', label: t('consent.remote') },
          { value: 'record', label: t('consent.record') },
          { value: 'agree', label: t('consent.agree') },
        ]}
        value={checked}
        onChange={setChecked}
      />
      <Button disabled={busy}>{t('consent.submit')}</Button>
    </form>
  );
}

function Survey({ appointment, onDone }: { appointment: string; onDone(): void }) {
  const { t } = useTranslation(NS);
  const [overall, setOverall] = useState<string[]>([]);
  const [quality, setQuality] = useState<string[]>([]);
  const [recommend, setRecommend] = useState<string[]>([]);
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const scale = ['1', '2', '3', '4', '5'].map((v) => ({ value: v, label: v }));
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!overall.length || !quality.length || !recommend.length) return setMissing(true);
        void sendSurvey(appointment, {
          overall: Number(overall[0]),
          quality: Number(quality[0]),
          recommend: recommend[0] === 'yes',
          ...(comment.trim() ? { comment: comment.trim() } : {}),
        }).then(onDone, setFailure);
      }}
    >
      <h2>{t('survey.title')}</h2>
      <p>{t('survey.lede')}</p>
      <ErrorSummary errors={missing ? [{ field: 'overall', message: t('survey.missing') }] : []} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      <Choices
        id="overall"
        legend={t('survey.overall')}
        type="radio"
        options={scale}
        value={overall}
        onChange={setOverall}
      />
      <Choices
        id="quality"
        legend={t('survey.quality')}
        type="radio"
        options={scale}
        value={quality}
        onChange={setQuality}
      />
      <Choices
        id="recommend"
        legend={t('survey.recommend')}
        type="radio"
        options={[
          { value: 'yes', label: t('survey.yes') },
          { value: 'no', label: t('survey.no') },
        ]}
        value={recommend}
        onChange={setRecommend}
      />
      <TextArea
        id="comment"
        label={t('survey.comment')}
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        maxLength={1000}
      />
      <Button>{t('survey.submit')}</Button>
    </form>
  );
}
