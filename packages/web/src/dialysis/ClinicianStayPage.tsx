/**
 * One stay, for clinicians. At the destination: the checks and the summary sent ahead, a chair and
 * shift for each session (the free chairs of that day, the patient's shift first), accept or decline
 * with a reason; during the stay, check-in and each session's record; the end-of-stay letter. At
 * home: the checks, the approval, and the sessions recorded away as they come back.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/screen.ts';
import { invalidate, useDataQuery } from '../data/index.ts';
import {
  Button,
  ButtonLink,
  Card,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Notice,
  Page,
  SelectField,
  SummaryList,
  Tag,
  TextArea,
  TextField,
} from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { capacity, type SessionView, STAY_TYPES, type StayView, sessionAction } from './api.ts';
import { Checklist } from './Checklist.tsx';
import { NS } from './i18n/index.ts';
import './dialysis.css';
import { Letter } from './Letter.tsx';
import {
  proposeChairs,
  type SessionValues,
  sessionBody,
  sessionIsDue,
  sessionProblems,
  stateKind,
} from './rules.ts';
import { Sessions } from './Sessions.tsx';
import { useStay, useStayAction } from './useStay.ts';

const REASONS = ['no-capacity', 'serology', 'clinical', 'documents', 'other'];
const localTime = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Africa/Casablanca',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

function Decide({ stay }: { stay: StayView }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const action = useStayAction(stay.id);
  const free = useDataQuery({
    types: ['Slot', ...STAY_TYPES],
    key: ['dialysis-capacity', stay.id],
    load: (s) => capacity(stay.id, s),
  });
  const [chosen, setChosen] = useState<Record<string, string>>();
  const [reason, setReason] = useState('no-capacity');
  const [text, setText] = useState('');
  const slots = free.data?.slots ?? [];
  const assignment = chosen ?? proposeChairs(stay.wanted, slots, localTime);
  const dates = [...new Set([...stay.wanted.map((w) => w.date ?? ''), ...Object.keys(assignment)])]
    .filter(Boolean)
    .sort();
  return (
    <>
      <Card title={t('review.assign')} level={2} testId="dialysis-assign">
        {free.isPending && <Loading />}
        {free.isError && <ErrorMessage error={free.error} />}
        {dates.map((date) => {
          const wanted = stay.wanted.find((w) => w.date === date);
          const options = slots.filter((s) => s.date === date);
          return (
            <SelectField
              key={date}
              id={`session-${date}`}
              label={format.date(date)}
              hint={
                wanted?.shift
                  ? t('review.wanted', { date: format.date(date), shift: t(`shift.${wanted.shift}`) })
                  : undefined
              }
              value={assignment[date] ?? ''}
              onChange={(e) => setChosen({ ...assignment, [date]: e.target.value })}
              options={[
                { value: '', label: options.length ? t('review.none') : t('review.noChair') },
                ...options.map((s) => ({ value: s.slot, label: `${localTime(s.start)} — ${s.chair}` })),
              ]}
            />
          );
        })}
        <Button
          type="button"
          disabled={action.isPending}
          onClick={() =>
            action.mutate({
              action: 'accept',
              body: {
                sessions: Object.values(assignment)
                  .filter(Boolean)
                  .map((slot) => ({ slot })),
              },
            })
          }
        >
          {t('review.accept')}
        </Button>
      </Card>
      <Card title={t('review.decline')} level={2}>
        <SelectField
          id="decline-reason"
          label={t('review.reason')}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          options={REASONS.map((r) => ({ value: r, label: t(`review.reasons.${r}`) }))}
        />
        <TextArea
          id="decline-text"
          label={t('review.explain')}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button
          type="button"
          variant="warning"
          disabled={action.isPending}
          onClick={() =>
            action.mutate({ action: 'decline', body: { reason, ...(text.trim() ? { text } : {}) } })
          }
        >
          {t('review.decline')}
        </Button>
      </Card>
      {action.isError && <ErrorMessage error={action.error} retry={() => void free.refetch()} />}
    </>
  );
}

const EMPTY: SessionValues = {
  preWeightKg: '',
  postWeightKg: '',
  preSystolic: '',
  preDiastolic: '',
  postSystolic: '',
  postDiastolic: '',
  ultrafiltrationMl: '',
  durationMinutes: '240',
  incidents: '',
  medicines: '',
};

function RecordSession({ stay, session }: { stay: StayView; session: SessionView }) {
  const { t } = useTranslation(NS);
  const [open, setOpen] = useState(false);
  const [checking, setChecking] = useState<unknown>();
  const form = useForm<SessionValues>({
    initial: EMPTY,
    validate: (v) => sessionProblems(v) as never,
    message: (p) => t(p.key),
    submit: async (v) => {
      await sessionAction(stay.id, session.appointment, 'record', sessionBody(v));
      await invalidate(STAY_TYPES.map((resourceType) => ({ resourceType })));
      setOpen(false);
    },
  });
  // the server takes a session from 36 hours before it: later ones offer nothing yet
  if (session.record || !['booked', 'arrived'].includes(session.status) || !sessionIsDue(session.start))
    return null;
  const checkIn = async () => {
    try {
      await sessionAction(stay.id, session.appointment, 'check-in');
      await invalidate(STAY_TYPES.map((resourceType) => ({ resourceType })));
    } catch (error) {
      setChecking(error);
    }
  };
  const field = (name: keyof SessionValues) => (
    <TextField {...form.text(name)} label={t(`session.${name}`)} inputMode="decimal" short />
  );
  return (
    <div className="stack">
      {session.status === 'booked' && (
        <Button type="button" small variant="secondary" onClick={() => void checkIn()}>
          {t('review.checkIn')}
        </Button>
      )}
      {checking !== undefined && <ErrorMessage error={checking} />}
      {!open ? (
        <Button type="button" small onClick={() => setOpen(true)}>
          {t('review.record')}
        </Button>
      ) : (
        <form onSubmit={form.onSubmit} noValidate className="stack dialysis-record">
          <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
          <div className="dialysis-grid">
            {field('preWeightKg')}
            {field('postWeightKg')}
            {field('preSystolic')}
            {field('preDiastolic')}
            {field('postSystolic')}
            {field('postDiastolic')}
            {field('ultrafiltrationMl')}
            {field('durationMinutes')}
          </div>
          <TextArea {...form.text('incidents')} label={t('session.incidents')} />
          <TextArea {...form.text('medicines')} label={t('session.medicines')} />
          <Button disabled={form.submitting}>{t('session.save')}</Button>
          {form.failure !== undefined && <ErrorMessage error={form.failure} />}
        </form>
      )}
    </div>
  );
}

function Complete({ stay }: { stay: StayView }) {
  const { t } = useTranslation(NS);
  const action = useStayAction(stay.id);
  const form = useForm({
    initial: { summary: '', recommendations: '' },
    validate: (v) => (v.summary.trim() ? [] : [{ field: 'summary' as const, key: 'review.letterMissing' }]),
    message: (p) => t(p.key),
    submit: (v) => action.mutateAsync({ action: 'complete', body: v }),
  });
  return (
    <Card title={t('review.complete')} level={2}>
      <form onSubmit={form.onSubmit} noValidate className="stack">
        <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
        <TextArea {...form.text('summary')} label={t('review.letterSummary')} />
        <TextArea {...form.text('recommendations')} label={t('review.recommendations')} />
        <Button disabled={form.submitting}>{t('review.sendLetter')}</Button>
        {form.failure !== undefined && <ErrorMessage error={form.failure} />}
      </form>
    </Card>
  );
}

function Approve({ stay }: { stay: StayView }) {
  const { t } = useTranslation(NS);
  const action = useStayAction(stay.id);
  const [note, setNote] = useState('');
  return (
    <Card title={t('review.approval')} level={2}>
      <TextField
        id="approval-note"
        label={t('review.note')}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <Button
        type="button"
        disabled={action.isPending}
        onClick={() => action.mutate({ action: 'approve', body: note ? { note } : {} })}
      >
        {t('review.approve')}
      </Button>
      {action.isError && <ErrorMessage error={action.error} />}
    </Card>
  );
}

export default function ClinicianStayPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const found = useStay(params.id ?? '');
  const stay = found.data;
  if (!stay)
    return (
      <Page title={t('centre.title')} back={{ to: '/clinician/dialysis' }}>
        {found.isPending ? (
          <Loading />
        ) : (
          <ErrorMessage error={found.error} retry={() => void found.refetch()} />
        )}
      </Page>
    );
  const destination = stay.role === 'destination';
  const during = ['confirmed', 'in-progress'].includes(stay.state);
  return (
    <Page
      title={`${stay.patient.name} — ${stay.centre.name}`}
      back={{ to: '/clinician/dialysis', label: t('centre.title') }}
      lede={t('stay.dates', { arrival: format.date(stay.arrival), departure: format.date(stay.departure) })}
    >
      <p data-testid="stay-state">
        <Tag kind={stateKind(stay.state)}>{t(`state.${stay.state}`)}</Tag>
      </p>
      <SummaryList
        rows={[
          [
            t('centre.patient'),
            `${stay.patient.name}${stay.patient.birthDate ? ` · ${format.age(stay.patient.birthDate)}` : ''}`,
          ],
          [
            t('centre.centre'),
            stay.centre.city && !stay.centre.name.includes(stay.centre.city)
              ? `${stay.centre.name}, ${stay.centre.city}`
              : stay.centre.name,
          ],
          [
            t('review.approval'),
            stay.approval?.date
              ? t('stay.approvedBy', {
                  name: stay.approval.by?.display ?? '',
                  date: format.date(stay.approval.date),
                })
              : '—',
          ],
        ]}
      />
      <div className="dialysis-actions">
        {stay.hasSummary && (
          <ButtonLink to={`/clinician/dialysis/stays/${stay.id}/summary`} variant="secondary">
            {t('review.readSummary')}
          </ButtonLink>
        )}
        {/* the chart itself says when the centre's access has ended */}
        <ButtonLink to={`/clinician/patients/${stay.patient.reference.split('/')[1]}`} variant="secondary">
          {t('review.openRecord')}
        </ButtonLink>
      </div>
      {stay.sharingWithdrawn && <Notice kind="warning">{t('review.sharingWithdrawn')}</Notice>}
      {stay.decline && (
        <Notice kind="warning">{stay.decline.text ?? t(`review.reasons.${stay.decline.reason}`)}</Notice>
      )}
      {stay.readiness && (
        <Card title={t('review.checks')} level={2}>
          <Checklist items={stay.readiness} forPatient={false} />
        </Card>
      )}
      {!destination && ['draft', 'sent'].includes(stay.state) && !stay.approval?.date && (
        <Approve stay={stay} />
      )}
      {destination && stay.state === 'sent' && <Decide stay={stay} />}
      {stay.sessions.length > 0 && (
        <Card title={t('stay.sessions')} level={2}>
          <Sessions
            sessions={stay.sessions}
            actions={(s) => (destination && during ? <RecordSession stay={stay} session={s} /> : null)}
          />
        </Card>
      )}
      {destination && during && <Complete stay={stay} />}
      {stay.letter && <Letter letter={stay.letter} />}
    </Page>
  );
}
