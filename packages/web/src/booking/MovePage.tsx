/**
 * Move an appointment to another of the same practitioner's free times: pick the new time, then
 * confirm it (the old and the new side by side). A refusal (too late to move online) is said
 * plainly under the button that was refused.
 */
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { useDataMutation, useResource } from '../data/index.ts';
import { Button, ButtonLink, ErrorMessage, Loading, Page, SummaryList } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate, useLocation } from '../router/router.tsx';
import { moveAppointment } from './api.ts';
import { changeable, participantId, refusalOf, slotOf } from './appointments.ts';
import { NS } from './i18n/index.ts';
import { useScheduleCard } from './queries.ts';
import { formatDay, formatTime, localDate, weekToShow } from './time.ts';
import { WeekTimes } from './WeekTimes.tsx';
import './booking.css';

export default function MovePage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const { search } = useLocation();
  const id = params.appointment;
  const appointment = useResource('Appointment', id);
  const current = useResource('Slot', appointment.data && slotOf(appointment.data));
  const practitioner = useResource(
    'Practitioner',
    appointment.data && participantId(appointment.data, 'Practitioner'),
  );
  const chosen = search.get('slot');
  const next = useResource('Slot', chosen ?? undefined);
  const move = useDataMutation({
    write: (slot: string) => moveAppointment(id, slot),
    changes: () => [{ resourceType: 'Appointment' }, { resourceType: 'Slot' }],
  });
  const back = { to: '/portal/appointments', label: t('mine.title') };
  const a = appointment.data;
  const schedule = current.data?.schedule.reference?.split('/')[1];
  // its next free times: the week picker opens on the first, and an empty week offers it
  const card = useScheduleCard(schedule);
  const failed = appointment.error ?? current.error;
  if (!a || !schedule) {
    return (
      <Page title={t('move.title')} back={back}>
        {failed ? <ErrorMessage error={failed} /> : <Loading />}
      </Page>
    );
  }
  const when = (start: string | undefined) =>
    t('confirm.whenValue', {
      day: formatDay(language, localDate(start ?? ''), true),
      time: formatTime(language, start ?? ''),
    });
  const name = personName(practitioner.data?.name, language);
  const base = `/portal/appointments/${encodeURIComponent(id)}/move`;
  if (!changeable(a, new Date())) {
    return (
      <Page title={t('move.title')} back={back}>
        <p>{t('move.notChangeable')}</p>
      </Page>
    );
  }
  if (chosen) {
    const refusal = refusalOf(move.error);
    return (
      <Page title={t('move.confirmTitle')} back={{ to: base, label: t('move.another') }}>
        {!next.data ? (
          next.isError ? (
            <ErrorMessage error={next.error} />
          ) : (
            <Loading />
          )
        ) : (
          <>
            <SummaryList
              rows={[
                [t('confirm.doctor'), <bdi key="n">{name}</bdi>],
                [t('move.from'), when(a.start)],
                [t('move.to'), <strong key="to">{when(next.data.start)}</strong>],
              ]}
            />
            <Button
              type="button"
              disabled={move.isPending}
              onClick={() =>
                move.mutate(chosen, {
                  onSuccess: () =>
                    navigate(`/portal/appointments?moved=${encodeURIComponent(id)}`, { replace: true }),
                })
              }
            >
              {t('move.submit')}
            </Button>
            {move.isError &&
              (refusal ? (
                <p className="field__error spaced" role="alert">
                  {t(`refusal.${refusal}`)}
                </p>
              ) : (
                <ErrorMessage error={move.error} />
              ))}
            <p className="spaced">
              <ButtonLink to={base} variant="secondary">
                {t('move.another')}
              </ButtonLink>
            </p>
          </>
        )}
      </Page>
    );
  }
  if (!card.data && !card.isError) {
    return (
      <Page title={t('move.title')} back={back}>
        <Loading />
      </Page>
    );
  }
  const firstFree = card.data?.next[0]?.start;
  return (
    <Page title={t('move.title')} back={back} lede={t('move.current', { when: when(a.start), name })}>
      <WeekTimes
        schedule={schedule}
        monday={weekToShow(search.get('week'), localDate(new Date()), firstFree && localDate(firstFree))}
        firstFree={firstFree}
        title={t('move.chooseTime')}
        weekHref={(week) => `${base}?week=${week}`}
        timeHref={(time) => `${base}?slot=${encodeURIComponent(time.slotId)}`}
      />
    </Page>
  );
}
