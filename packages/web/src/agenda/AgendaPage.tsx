/**
 * The practitioner's agenda: a day or a week of appointments with the patients' names (a booking
 * opens the care relationship that lets the practitioner read them), no-shows marked after the
 * start, video consultations a click away, and the way to the weekly hours.
 */
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useSession } from '../auth/session.tsx';
import { isVideo, participantId, refusalOf } from '../booking/appointments.ts';
import { dayHeading, formatDay, formatTime, localDate } from '../booking/time.ts';
import { useDataMutation, useDataQuery, useSearch } from '../data/index.ts';
import {
  Button,
  ChevronIcon,
  type Column,
  DataTable,
  Empty,
  ErrorMessage,
  Loading,
  Notice,
  Page,
  Tag,
} from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link, useLocation } from '../router/router.tsx';
import { agendaHref, canMarkNoShow, periodOf, type View } from './agenda.ts';
import { markNoShow, mySchedules } from './api.ts';
import { NS } from './i18n/index.ts';
import './agenda.css';

export default function AgendaPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const { user } = useSession();
  const { search } = useLocation();
  const today = localDate(new Date());
  const period = periodOf(search.get('view'), search.get('date'), today);
  const [notice, setNotice] = useState<string>();
  const found = useSearch(
    'Appointment',
    [
      ['practitioner', user?.fhirUser ?? ''],
      ['date', `ge${period.start}`],
      ['date', `lt${period.end}`],
      ['_include', 'Appointment:patient:Patient'],
      ['_sort', 'date'],
      ['_count', '300'],
    ],
    { enabled: Boolean(user?.fhirUser) },
  );
  const appointments = found.data ? fhir.resourcesOf(found.data, 'Appointment') : [];
  const patients = new Map(
    (found.data ? fhir.resourcesOf(found.data, 'Patient') : []).map((p) => [p.id, p] as const),
  );
  const byDay = new Map(period.days.map((d) => [d, [] as Appointment[]]));
  for (const a of appointments) byDay.get(localDate(a.start ?? ''))?.push(a);
  const shown = appointments.filter((a) => a.status !== 'cancelled').length;
  const heading =
    period.view === 'day'
      ? dayHeading(language, period.days[0], today)
      : t('agenda.weekOf', { day: formatDay(language, period.days[0]) });
  const switchTo = (view: View) =>
    agendaHref(view, period.view === 'week' && view === 'day' ? today : period.days[0]);
  return (
    <Page title={t('agenda.title')}>
      {notice && <Notice kind="success">{notice}</Notice>}
      <div className="agenda-bar">
        <nav aria-label={t('agenda.view')} className="segmented">
          {(['day', 'week'] as const).map((view) => (
            <Link key={view} to={switchTo(view)} aria-current={period.view === view ? 'page' : undefined}>
              {t(`agenda.${view}`)}
            </Link>
          ))}
        </nav>
        <div className="cluster">
          <Link
            className="button button--secondary button--small"
            to={agendaHref(period.view, period.previous)}
          >
            <ChevronIcon direction="back" />
            {t(period.view === 'day' ? 'agenda.previousDay' : 'agenda.previousWeek')}
          </Link>
          <Link className="button button--secondary button--small" to={agendaHref(period.view, today)}>
            {t('agenda.today')}
          </Link>
          <Link className="button button--secondary button--small" to={agendaHref(period.view, period.next)}>
            {t(period.view === 'day' ? 'agenda.nextDay' : 'agenda.nextWeek')}
            <ChevronIcon direction="forward" />
          </Link>
        </div>
      </div>
      <section aria-labelledby="agenda-period" data-testid="agenda">
        <h2 id="agenda-period">{heading}</h2>
        {found.isPending && <Loading />}
        {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
        {found.data && <p className="secondary">{t('agenda.count', { count: shown })}</p>}
        {found.data &&
          period.days.map((day) => {
            const list = byDay.get(day) ?? [];
            if (period.view === 'week' && list.length === 0) return null;
            return (
              <div key={day} className="agenda-day">
                {period.view === 'week' && <h3>{dayHeading(language, day, today)}</h3>}
                {list.length === 0 ? (
                  <Empty>{t('agenda.empty')}</Empty>
                ) : (
                  <DayTable
                    caption={dayHeading(language, day, today)}
                    appointments={list}
                    patients={patients}
                    onNoShow={(name) => setNotice(t('agenda.noShowDone', { name }))}
                  />
                )}
              </div>
            );
          })}
        {found.data && period.view === 'week' && shown === 0 && <Empty>{t('agenda.empty')}</Empty>}
      </section>
      <Schedules />
    </Page>
  );
}

function DayTable({
  caption,
  appointments,
  patients,
  onNoShow,
}: {
  caption: string;
  appointments: Appointment[];
  patients: Map<string | undefined, Patient>;
  onNoShow(name: string): void;
}) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const nameOf = (a: Appointment) =>
    personName(patients.get(participantId(a, 'Patient'))?.name, language) || t('agenda.unknownPatient');
  const columns: Column<Appointment>[] = [
    {
      header: t('agenda.time'),
      cell: (a) => (
        <span className="ltr">
          {formatTime(language, a.start ?? '')}–{formatTime(language, a.end ?? a.start ?? '')}
        </span>
      ),
    },
    {
      header: t('agenda.patient'),
      cell: (a) => {
        const id = participantId(a, 'Patient');
        return id ? (
          <Link to={`/clinician/patients/${id}`}>
            <bdi>{nameOf(a)}</bdi>
          </Link>
        ) : (
          nameOf(a)
        );
      },
    },
    { header: t('agenda.reason'), cell: (a) => <bdi>{a.description ?? ''}</bdi>, wrap: true },
    {
      header: t('agenda.mode'),
      cell: (a) => (isVideo(a) ? <Tag kind="info">{t('modes.video')}</Tag> : t('modes.in-person')),
    },
    {
      header: t('agenda.status'),
      cell: (a) => (
        <Tag kind={a.status === 'booked' ? 'success' : a.status === 'noshow' ? 'warning' : 'grey'}>
          {t(`status.${a.status}`)}
        </Tag>
      ),
    },
    {
      header: t('agenda.actions'),
      cell: (a) => <Actions appointment={a} name={nameOf(a)} onNoShow={onNoShow} />,
    },
  ];
  return (
    <DataTable
      caption={caption}
      captionHidden
      columns={columns}
      rows={appointments}
      rowKey={(a) => a.id ?? ''}
      testId="agenda-table"
    />
  );
}

function Actions({
  appointment: a,
  name,
  onNoShow,
}: {
  appointment: Appointment;
  name: string;
  onNoShow(name: string): void;
}) {
  const { t } = useTranslation(NS);
  const { t: booking } = useTranslation('booking');
  const noShow = useDataMutation({
    write: (id: string) => markNoShow(id),
    changes: () => [{ resourceType: 'Appointment' }],
    done: () => onNoShow(name),
  });
  const video = isVideo(a) && (a.status === 'booked' || a.status === 'arrived' || a.status === 'checked-in');
  const refusal = refusalOf(noShow.error);
  return (
    <div className="cluster">
      {video && <Link to={`/clinician/consultations/${a.id}`}>{t('agenda.openConsultation')}</Link>}
      {canMarkNoShow(a, new Date()) && (
        <Button
          type="button"
          variant="secondary"
          small
          disabled={noShow.isPending}
          aria-label={`${t('agenda.noShow')} — ${name}`}
          onClick={() => noShow.mutate(a.id as string)}
        >
          {t('agenda.noShow')}
        </Button>
      )}
      {noShow.isError &&
        (refusal ? (
          <span className="field__error" role="alert">
            {booking(`refusal.${refusal}`)}
          </span>
        ) : (
          <ErrorMessage error={noShow.error} />
        ))}
    </div>
  );
}

/** The practitioner's schedules, each with the way to its weekly hours. */
function Schedules() {
  const { t } = useTranslation(NS);
  const schedules = useDataQuery({ types: ['Schedule'], key: ['my-schedules'], load: mySchedules });
  return (
    <section aria-labelledby="schedules-title" className="card">
      <h2 id="schedules-title" className="card__title">
        {t('agenda.schedules')}
      </h2>
      {schedules.isPending && <Loading />}
      {schedules.isError && <ErrorMessage error={schedules.error} retry={() => void schedules.refetch()} />}
      {schedules.data?.length === 0 && <p>{t('agenda.noSchedule')}</p>}
      {schedules.data && schedules.data.length > 0 && (
        <ul className="list-plain">
          {schedules.data.map((s) => {
            const mode = s.schedule.serviceType?.some((c) => c.coding?.some((x) => x.code === 'video'))
              ? 'video'
              : 'in-person';
            return (
              <li key={s.id}>
                <Link to={`/clinician/agenda/schedules/${encodeURIComponent(s.id)}`}>
                  {t('agenda.editSchedule', { mode: t(`modes.${mode}`) })}
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
