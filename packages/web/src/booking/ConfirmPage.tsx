/**
 * Confirm (the third step): the chosen time with whom and where, an optional reason, how to hear
 * about it — then the booking. The slot is in the address, so it survives signing in on the way.
 */
import type { Patient, Slot } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { useDataMutation, useResource, useUpdate } from '../data/index.ts';
import {
  Button,
  ButtonLink,
  Choices,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Notice,
  Page,
  SummaryList,
  TextArea,
} from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link, navigate } from '../router/router.tsx';
import { book, type PractitionerCard } from './api.ts';
import { refusalOf } from './appointments.ts';
import { type Channel, channelChoices, contactsOf, currentChannel, withChannel } from './confirm.ts';
import { doctorName, formatFee, placeText } from './find.ts';
import { NS } from './i18n/index.ts';
import { useOwnPatientId } from './own-patient.ts';
import { useScheduleCard, useTerms, useWaitlist } from './queries.ts';
import { practitionerHref, specialtyText } from './ResultCard.tsx';
import { formatDay, formatTime, localDate } from './time.ts';
import { bookable } from './waitlist.ts';
import './booking.css';

/** A phone number or an address inside a sentence of either direction keeps its own (FSI … PDI). */
const isolate = (text: string | undefined) => (text ? `\u2068${text}\u2069` : '');

export default function ConfirmPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const patientId = useOwnPatientId();
  const slot = useResource('Slot', params.slot);
  const scheduleId = slot.data?.schedule.reference?.split('/')[1];
  const card = useScheduleCard(scheduleId);
  const patient = useResource('Patient', patientId);
  const entries = useWaitlist();
  const failed = slot.error ?? card.error ?? patient.error ?? entries.error;
  if (failed !== null && failed !== undefined) {
    return (
      <Page title={t('confirm.title')} back={{ to: '/find' }}>
        <ErrorMessage error={failed} />
      </Page>
    );
  }
  if (!slot.data || !card.data || !patient.data || !entries.data) {
    return (
      <Page title={t('confirm.title')}>
        <Loading />
      </Page>
    );
  }
  const back = { to: practitionerHref(card.data.scheduleId), label: t('confirm.otherTime') };
  if (!bookable(slot.data, entries.data)) {
    return (
      <Page title={t('confirm.goneTitle')} back={back}>
        <p>{t('confirm.goneBody')}</p>
        <ButtonLink to={back.to}>{t('confirm.otherTime')}</ButtonLink>
      </Page>
    );
  }
  return (
    <Page title={t('confirm.title')} back={back}>
      <ConfirmForm slot={slot.data} card={card.data} patient={patient.data} />
    </Page>
  );
}

function ConfirmForm({ slot, card, patient }: { slot: Slot; card: PractitionerCard; patient: Patient }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const terms = useTerms();
  const contacts = contactsOf(patient);
  const choices = channelChoices(contacts);
  const updatePatient = useUpdate<Patient>();
  const booking = useDataMutation({
    write: (input: { slot: string; reason: string }) => book(input.slot, input.reason.trim() || undefined),
    changes: () => [{ resourceType: 'Appointment' }, { resourceType: 'Slot' }],
  });
  const form = useForm({
    initial: { reason: '', channel: (currentChannel(patient) ?? '') as Channel | '' },
    validate: (v) => (v.reason.length > 500 ? [{ field: 'reason' as const, key: 'reasonTooLong' }] : []),
    message: (problem) => t(`confirm.${problem.key}`),
    serverPaths: { reason: ['reason'] },
    refusedKey: { reason: 'reasonTooLong' },
    submit: async (values) => {
      const chosen = choices.length > 0 && values.channel ? withChannel(patient, values.channel) : undefined;
      if (chosen) await updatePatient.mutateAsync(chosen);
      const appointment = await booking.mutateAsync({ slot: slot.id as string, reason: values.reason });
      navigate(`/book/done/${appointment.id}`, { replace: true });
    },
  });
  const refusal = refusalOf(form.failure);
  const day = formatDay(language, localDate(slot.start), true);
  return (
    <>
      <SummaryList
        rows={[
          [t('confirm.doctor'), <bdi key="d">{doctorName(card, language)}</bdi>],
          [t('confirm.specialty'), specialtyText(card, terms.data, language)],
          [t('confirm.when'), t('confirm.whenValue', { day, time: formatTime(language, slot.start) })],
          [t('confirm.mode'), t(`modes.${card.mode}`)],
          [t('confirm.where'), card.mode === 'in-person' ? placeText(card) : undefined],
          [t('confirm.fee'), formatFee(language, card.fee)],
        ]}
      />
      <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
      {refusal ? (
        <div className="notice notice--warning" role="alert">
          <p>
            <strong>{t(`refusal.${refusal}`)}</strong>
          </p>
          <p>
            <Link to={practitionerHref(card.scheduleId)}>{t('confirm.otherTime')}</Link>
          </p>
        </div>
      ) : (
        form.failure !== undefined && <ErrorMessage error={form.failure} />
      )}
      <form onSubmit={form.onSubmit} noValidate>
        <TextArea
          label={t('confirm.reason')}
          hint={t('confirm.reasonHint')}
          {...form.text('reason')}
          maxLength={600}
        />
        {choices.length > 0 ? (
          <Choices
            id="channel"
            type="radio"
            legend={t('confirm.channel')}
            value={form.values.channel ? [form.values.channel] : []}
            onChange={([value]) => form.set('channel', value as Channel)}
            options={choices.map((c) => ({
              value: c,
              label: t(`confirm.channels.${c}`, {
                phone: isolate(contacts.phone),
                email: isolate(contacts.email),
              }),
            }))}
          />
        ) : (
          <Notice>
            <p>
              {contacts.phone ? (
                t('confirm.bySms', { phone: isolate(contacts.phone) })
              ) : contacts.email ? (
                t('confirm.byEmail', { email: isolate(contacts.email) })
              ) : (
                <>
                  {t('confirm.noContact')}{' '}
                  <Link to="/portal/profile">{t('nav.profile', { ns: 'common' })}</Link>
                </>
              )}
            </p>
          </Notice>
        )}
        <Button disabled={form.submitting}>{t('confirm.submit')}</Button>
      </form>
    </>
  );
}
