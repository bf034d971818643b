/**
 * My appointments: what is coming (with cancel, move, and the video waiting room), the waiting
 * list and any time it holds for me, and what is past. A refusal (too late to cancel online) is
 * said plainly next to the action that was refused.
 */
import type { Appointment, Location, Practitioner } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useDataMutation, useSearch } from '../data/index.ts';
import {
  Button,
  ButtonLink,
  Card,
  Empty,
  ErrorMessage,
  LinkButton,
  Loading,
  Notice,
  Page,
  Tag,
} from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link, useLocation } from '../router/router.tsx';
import { specialtiesText } from '../terms/index.ts';
import { cancelAppointment } from './api.ts';
import {
  changeable,
  isVideo,
  openEntries,
  participantId,
  refusalOf,
  splitAppointments,
} from './appointments.ts';
import { NS } from './i18n/index.ts';
import { useOwnPatientId } from './own-patient.ts';
import { useWaitlist } from './queries.ts';
import { formatDay, formatTime, localDate } from './time.ts';
import { WaitlistSection } from './WaitlistSection.tsx';
import './booking.css';

export default function MyAppointmentsPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const { search } = useLocation();
  const patientId = useOwnPatientId();
  const found = useSearch('Appointment', [
    ['patient', `Patient/${patientId}`],
    ['_include', 'Appointment:practitioner:Practitioner'],
    ['_include', 'Appointment:location:Location'],
    ['_sort', '-date'],
    ['_count', '50'],
  ]);
  const [notice, setNotice] = useState<string>();
  // "you are on the waiting list" is the answer to joining: not once a time is held (the list says so)
  const waiting = useWaitlist();
  const held = openEntries(waiting.data ?? [], new Date()).some((e) => e.held);
  const bundle = found.data;
  const appointments = bundle ? fhir.resourcesOf(bundle, 'Appointment') : [];
  const practitioners = new Map(
    (bundle ? fhir.resourcesOf(bundle, 'Practitioner') : []).map((p) => [p.id, p] as const),
  );
  const locations = new Map(
    (bundle ? fhir.resourcesOf(bundle, 'Location') : []).map((l) => [l.id, l] as const),
  );
  const { upcoming, past } = splitAppointments(appointments, new Date());
  const moved = search.get('moved');
  const movedTo = moved ? appointments.find((a) => a.id === moved) : undefined;
  const when = (a: Appointment) =>
    t('confirm.whenValue', {
      day: formatDay(language, localDate(a.start ?? '')),
      time: formatTime(language, a.start ?? ''),
    });
  const item = (a: Appointment, coming: boolean) => (
    <AppointmentItem
      key={a.id}
      appointment={a}
      coming={coming}
      practitioner={practitioners.get(participantId(a, 'Practitioner'))}
      location={locations.get(participantId(a, 'Location'))}
      onCancelled={() => setNotice(t('mine.cancelled'))}
    />
  );
  return (
    <Page title={t('mine.title')} lede={t('mine.lede')}>
      {notice && <Notice kind="success">{notice}</Notice>}
      {movedTo && !notice && <Notice kind="success">{t('mine.moved', { when: when(movedTo) })}</Notice>}
      {search.get('waiting') && !notice && !held && <Notice kind="success">{t('waitlist.joined')}</Notice>}
      <p>
        <ButtonLink to="/find">{t('mine.book')}</ButtonLink>
      </p>
      <WaitlistSection onLeft={() => setNotice(t('waitlist.left'))} />
      <section aria-labelledby="upcoming-title" data-testid="upcoming-appointments">
        <h2 id="upcoming-title">{t('mine.upcoming')}</h2>
        {found.isPending && <Loading />}
        {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
        {bundle && upcoming.length === 0 && <Empty>{t('mine.noneUpcoming')}</Empty>}
        <div className="stack">{upcoming.map((a) => item(a, true))}</div>
      </section>
      {bundle && (
        <section aria-labelledby="past-title" data-testid="past-appointments">
          <h2 id="past-title">{t('mine.past')}</h2>
          {past.length === 0 && <Empty>{t('mine.nonePast')}</Empty>}
          <div className="stack">{past.map((a) => item(a, false))}</div>
        </section>
      )}
    </Page>
  );
}

function AppointmentItem({
  appointment: a,
  coming,
  practitioner,
  location,
  onCancelled,
}: {
  appointment: Appointment;
  coming: boolean;
  practitioner?: Practitioner;
  location?: Location;
  onCancelled(): void;
}) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const [asking, setAsking] = useState(false);
  const cancel = useDataMutation({
    write: (id: string) => cancelAppointment(id),
    changes: () => [{ resourceType: 'Appointment' }, { resourceType: 'Slot' }],
    done: onCancelled,
  });
  const video = isVideo(a);
  const when = t('confirm.whenValue', {
    day: formatDay(language, localDate(a.start ?? ''), true),
    time: formatTime(language, a.start ?? ''),
  });
  const name = personName(practitioner?.name, language);
  const refusal = refusalOf(cancel.error);
  const canChange = coming && changeable(a, new Date());
  return (
    <Card title={when} level={3}>
      <p className="result__what">
        {name && <bdi>{t('mine.with', { name })}</bdi>}
        <Tag kind={video ? 'info' : 'grey'}>{t(video ? 'modes.video' : 'modes.in-person')}</Tag>
        {!coming && (
          <Tag kind={a.status === 'fulfilled' ? 'success' : 'warning'}>{t(`mine.status.${a.status}`)}</Tag>
        )}
      </p>
      {a.specialty?.length ? (
        <p className="secondary" data-testid="appointment-specialty">
          {specialtiesText(language, a.specialty)}
        </p>
      ) : null}
      {!video && location?.name && <p>{location.name}</p>}
      {a.description && (
        <p>
          {t('labelled', { ns: 'common', label: t('mine.reason'), value: '' })}
          <bdi>{a.description}</bdi>
        </p>
      )}
      {coming && (
        <div className="appointment__actions">
          {video && <ButtonLink to={`/portal/consultations/${a.id}`}>{t('mine.join')}</ButtonLink>}
          {canChange && !asking && (
            <>
              <Link to={`/portal/appointments/${a.id}/move`}>{t('mine.move')}</Link>
              <LinkButton onClick={() => setAsking(true)}>{t('mine.cancel')}</LinkButton>
            </>
          )}
        </div>
      )}
      {asking && (
        <div className="confirm-box">
          <p>{t('mine.cancelQuestion', { when })}</p>
          {cancel.isError &&
            (refusal ? (
              <p className="field__error" role="alert">
                {t(`refusal.${refusal}`)}
              </p>
            ) : (
              <ErrorMessage error={cancel.error} />
            ))}
          <div className="cluster">
            {!refusal && (
              <Button
                type="button"
                variant="warning"
                disabled={cancel.isPending}
                onClick={() => cancel.mutate(a.id as string)}
              >
                {t('mine.cancelConfirm')}
              </Button>
            )}
            <LinkButton
              onClick={() => {
                setAsking(false);
                cancel.reset();
              }}
            >
              {t('mine.keep')}
            </LinkButton>
          </div>
        </div>
      )}
    </Card>
  );
}
