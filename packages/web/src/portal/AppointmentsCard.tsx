import { useTranslation } from 'react-i18next';
import { useSearchResources } from '../data/index.ts';
import { Card, Empty, ErrorMessage, Loading } from '../design/index.ts';
import { conceptsText, conceptText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';

export function AppointmentsCard({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const today = new Date().toISOString().slice(0, 10);
  const appointments = useSearchResources('Appointment', {
    patient: `Patient/${patientId}`,
    date: `ge${today}`,
    _sort: 'date',
    _count: 5,
  });
  return (
    <Card title={t('home.appointments')} testId="next-appointments">
      {appointments.isPending && <Loading />}
      {appointments.isError && (
        <ErrorMessage error={appointments.error} retry={() => void appointments.refetch()} />
      )}
      {appointments.data?.length === 0 && <Empty>{t('home.noAppointments')}</Empty>}
      {appointments.data && appointments.data.length > 0 && (
        <ul className="list-plain">
          {appointments.data.map((a) => {
            const who = a.participant
              .map((p) => p.actor)
              .filter(
                (r) => r?.reference?.startsWith('Practitioner/') || r?.reference?.startsWith('Location/'),
              )
              .map((r) => r?.display)
              .filter(Boolean)
              .join(', ');
            return (
              <li key={a.id}>
                <strong>{format.date(a.start, { time: true })}</strong>
                <br />
                {a.description ?? (conceptsText(a.serviceType) || conceptText(a.appointmentType))}
                {who && <span className="secondary"> — {t('home.with', { name: who })}</span>}
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
