/** The patient's prescriptions: status, medicines, the verification code and the PDF in two languages. */
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../data/index.ts';
import { Card, Empty, ErrorMessage, Loading, Page, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { usePatientId } from '../portal/usePatientId.ts';
import { pdfUrl, prescriptionsOf } from './api.ts';
import { NS } from './i18n/index.ts';

export default function PatientPrescriptionsPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const patientId = usePatientId();
  const list = useDataQuery({
    types: ['MedicationRequest'],
    key: ['prescriptions', patientId],
    load: (signal) => prescriptionsOf(`Patient/${patientId}`, signal),
  });
  return (
    <Page title={t('mine.title')} lede={t('mine.lede')}>
      {list.isError && <ErrorMessage error={list.error} retry={() => void list.refetch()} />}
      {list.isPending && <Loading />}
      {list.data?.length === 0 && <Empty>{t('mine.none')}</Empty>}
      {list.data?.map((p) => (
        <Card
          key={p.id}
          title={t('mine.by', { name: p.prescriber.name ?? '', date: format.date(p.issued) })}
          level={2}
        >
          <Tag kind={p.status === 'active' ? 'success' : 'grey'}>{t(`mine.status.${p.status}`)}</Tag>
          {p.status === 'active' && p.validUntil && (
            <p>{t('mine.validUntil', { date: format.date(p.validUntil) })}</p>
          )}
          <ul>
            {p.items.map((item) => (
              <li key={`${p.id}-${item.medication}-${item.dosage}`}>
                <strong>
                  <bdi>{item.medication}</bdi>
                </strong>{' '}
                — <bdi>{item.dosage}</bdi> (
                {t('mine.boxes', { count: item.quantity, days: item.durationDays })})
              </li>
            ))}
          </ul>
          {p.code && (
            <p>
              {t('labelled', { ns: 'common', label: t('mine.code'), value: '' })}
              <code dir="ltr">{p.code.match(/.{1,4}/g)?.join('-')}</code>
            </p>
          )}
          <p>
            <a href={pdfUrl(p.id, 'fr')}>{t('prescription.pdf')}</a> ·{' '}
            <a href={pdfUrl(p.id, 'ar')}>{t('prescription.pdfAr')}</a>
          </p>
        </Card>
      ))}
    </Page>
  );
}
