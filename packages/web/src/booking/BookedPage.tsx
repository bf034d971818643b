/** Booked: the confirmation, GOV.UK style — what was booked, and what happens next. */
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { useResource } from '../data/index.ts';
import { ButtonLink, ErrorMessage, Loading, Page } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { isVideo, participantId } from './appointments.ts';
import { NS } from './i18n/index.ts';
import { formatDay, formatTime, localDate } from './time.ts';
import './booking.css';

export default function BookedPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const appointment = useResource('Appointment', params.appointment);
  const practitioner = useResource(
    'Practitioner',
    appointment.data && participantId(appointment.data, 'Practitioner'),
  );
  const location = useResource('Location', appointment.data && participantId(appointment.data, 'Location'));
  const a = appointment.data;
  if (!a) {
    return (
      <Page title={t('booked.title')}>
        {appointment.isError ? <ErrorMessage error={appointment.error} /> : <Loading />}
      </Page>
    );
  }
  const video = isVideo(a);
  const name = personName(practitioner.data?.name, language);
  return (
    <Page title={t('booked.title')}>
      <div className="panel" data-testid="booked">
        <p>
          <strong>
            {t('confirm.whenValue', {
              day: formatDay(language, localDate(a.start ?? ''), true),
              time: formatTime(language, a.start ?? ''),
            })}
          </strong>
        </p>
        {name && <p>{t('booked.with', { name })}</p>}
        {!video && location.data?.name && <p>{location.data.name}</p>}
      </div>
      <h2>{t('booked.next')}</h2>
      <p>{t('booked.sent')}</p>
      <p>{video ? t('booked.video') : t('booked.inPerson')}</p>
      <p>
        {t('booked.change')} {video && <Link to={`/portal/consultations/${a.id}`}>{t('mine.join')}</Link>}
      </p>
      <ButtonLink to="/portal/appointments">{t('booked.toAppointments')}</ButtonLink>
    </Page>
  );
}
