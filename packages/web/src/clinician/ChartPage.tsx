/**
 * The frame of a patient's chart for clinicians: the banner above the chart's views (its <Outlet/>).
 * A record outside the clinician's care answers like an unknown one (404): the frame offers
 * break-the-glass to those who may, and the grant refreshes what was refused.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/index.ts';
import type { PageProps } from '../app/routes.ts';
import { useSession } from '../auth/session.tsx';
import { NS as CLINICAL } from '../clinical/i18n/index.ts';
import { useResource } from '../data/index.ts';
import { ErrorMessage, Loading, Notice, Page } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Outlet } from '../router/outlet.tsx';
import { useLocation } from '../router/router.tsx';
import { BreakGlassPanel } from './BreakGlassPanel.tsx';
import { offersBreakGlass } from './break-glass-rules.ts';
import { NS } from './i18n/index.ts';
import { PatientBanner } from './PatientBanner.tsx';

export default function ChartPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const id = params.id;
  const patient = useResource('Patient', id);
  const [grantedUntil, setGrantedUntil] = useState<string>();
  const back = { to: '/clinician', label: t('find.title') };
  const roles = useSession().user?.roles ?? [];
  const { search } = useLocation();
  const { t: c } = useTranslation(CLINICAL);
  const visit = search.get('visit');

  if (patient.error instanceof ApiError && offersBreakGlass(patient.error.status, roles)) {
    return (
      <Page title={t('breakGlass.title')} back={back}>
        <BreakGlassPanel patient={`Patient/${id}`} onGranted={setGrantedUntil} />
      </Page>
    );
  }
  if (!patient.data) {
    return (
      <Page title={t('chart.summary')} back={back}>
        {patient.isPending ? (
          <Loading />
        ) : (
          <ErrorMessage error={patient.error} retry={() => void patient.refetch()} />
        )}
      </Page>
    );
  }
  return (
    <Page title={personName(patient.data.name, format.language)} back={back}>
      {grantedUntil && (
        <Notice kind="warning">
          {t('breakGlass.granted', { time: format.date(grantedUntil, { time: true }) })}
        </Notice>
      )}
      {visit && (
        <Notice kind="success">{visit === 'signed' ? c('visit.saved') : c('visit.savedOpen')}</Notice>
      )}
      <PatientBanner patient={patient.data} />
      <Outlet />
    </Page>
  );
}
