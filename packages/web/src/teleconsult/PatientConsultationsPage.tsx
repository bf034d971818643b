/** The patient's video consultations, soonest first, each opening its waiting room. */
import type { Appointment } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { useSearchResources } from '../data/index.ts';
import { ButtonLink, Card, Empty, ErrorMessage, Loading, Page, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { usePatientId } from '../portal/usePatientId.ts';
import { NS } from './i18n/index.ts';

const MODE = 'https://sahti.ma/fhir/CodeSystem/consultation-mode';
export const isVideo = (a: Appointment) =>
  a.appointmentType?.coding?.some((c) => c.system === MODE && c.code === 'video') ?? false;

export default function PatientConsultationsPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const patientId = usePatientId();
  const since = new Date(Date.now() - 24 * 3600_000).toISOString();
  const found = useSearchResources('Appointment', {
    patient: `Patient/${patientId}`,
    date: `ge${since}`,
    _sort: 'date',
    _count: 50,
  });
  const list = found.data?.filter(isVideo) ?? [];
  return (
    <Page title={t('list.title')} lede={t('list.lede')}>
      {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      {found.isPending && <Loading />}
      {found.data && list.length === 0 && <Empty>{t('list.none')}</Empty>}
      {list.map((a) => {
        const doctor = a.participant?.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor
          ?.display;
        return (
          <Card key={a.id} title={format.date(a.start, { time: true })} level={2}>
            {doctor && <p>{t('list.with', { name: doctor })}</p>}
            {a.status === 'fulfilled' ? <Tag kind="success">{t('waiting.fulfilled')}</Tag> : null}
            <ButtonLink to={`/portal/consultations/${a.id}`}>
              {a.status === 'fulfilled' ? t('list.survey') : t('list.open')}
            </ButtonLink>
          </Card>
        );
      })}
    </Page>
  );
}
