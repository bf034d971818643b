/** The patient's first screen: next appointments, recent results, current medicines. */
import { useTranslation } from 'react-i18next';
import { useResource } from '../data/index.ts';
import { Card, Page } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { DependantsCard } from './ActingFor.tsx';
import { AppointmentsCard } from './AppointmentsCard.tsx';
import { useActingFor } from './acting-for.ts';
import { BreakGlassAlert } from './BreakGlassAlert.tsx';
import { NS } from './i18n/index.ts';
import { MedicinesCard } from './MedicinesCard.tsx';
import { RecentResultsCard } from './RecentResultsCard.tsx';
import { usePatientId } from './usePatientId.ts';

export default function HomePage() {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const language = useLanguage();
  const patientId = usePatientId();
  const patient = useResource('Patient', patientId);
  const actingFor = useActingFor();
  const name = patient.data ? personName(patient.data.name, language).split(' ')[0] : '';
  return (
    <Page title={name ? t('home.title', { name }) : t('home.titleNoName')} lede={t('home.lede')}>
      {!actingFor && <BreakGlassAlert />}
      {!actingFor && <DependantsCard />}
      <div className="grid grid--2">
        <AppointmentsCard patientId={patientId} />
        <MedicinesCard patientId={patientId} />
      </div>
      <RecentResultsCard patientId={patientId} />
      <div className="grid grid--3">
        <Card title={common('nav.record')} to="/portal/record" level={2}>
          <p className="secondary">{t('record.lede')}</p>
        </Card>
        <Card title={common('nav.consents')} to="/portal/consents" level={2}>
          <p className="secondary">{t('consents.lede')}</p>
        </Card>
        <Card title={common('nav.accessLog')} to="/portal/access-log" level={2}>
          <p className="secondary">{t('accessLog.lede')}</p>
        </Card>
      </div>
    </Page>
  );
}
