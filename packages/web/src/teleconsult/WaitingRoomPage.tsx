/** The practitioner's waiting room: today's video consultations, updated live as patients arrive. */
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useSession } from '../auth/session.tsx';
import { applyLiveEvent, useSearch } from '../data/index.ts';
import { ButtonLink, Card, Empty, ErrorMessage, Loading, Page, Tag } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { lobbyUrl } from './api.ts';
import { NS } from './i18n/index.ts';
import { isVideo } from './PatientConsultationsPage.tsx';

/** The lobby socket pushes the live feed's events for this practitioner's consultations. */
function useLobby(): void {
  useEffect(() => {
    let socket: WebSocket | undefined;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      socket = new WebSocket(lobbyUrl());
      socket.onmessage = (e) => {
        const m = JSON.parse(String(e.data));
        if (m.type === 'resource') applyLiveEvent(m);
      };
      socket.onclose = () => {
        if (!stopped) retry = setTimeout(open, 5000);
      };
    };
    open();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    };
  }, []);
}

export default function WaitingRoomPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const me = useSession().user?.fhirUser ?? '';
  useLobby();
  const from = new Date();
  from.setHours(0, 0, 0, 0);
  const to = new Date(from.getTime() + 24 * 3600_000);
  const found = useSearch('Appointment', [
    ['actor', me],
    ['date', `ge${from.toISOString()}`],
    ['date', `lt${to.toISOString()}`],
    ['_include', 'Appointment:patient'],
    ['_sort', 'date'],
    ['_count', '100'],
  ]);
  const bundle = found.data;
  const appointments = bundle ? fhir.resourcesOf(bundle, 'Appointment').filter(isVideo) : [];
  const patients = new Map(
    (bundle ? fhir.resourcesOf(bundle, 'Patient') : []).map((p: Patient) => [`Patient/${p.id}`, p]),
  );
  const patientOf = (a: Appointment) =>
    a.participant?.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference ?? '';
  const order = (a: Appointment) => (a.status === 'arrived' ? 0 : a.status === 'booked' ? 1 : 2);
  return (
    <Page title={t('waiting.title')} lede={t('waiting.lede')}>
      {found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      {found.isPending && <Loading />}
      {bundle && appointments.length === 0 && <Empty>{t('waiting.none')}</Empty>}
      <div data-testid="waiting-room" className="stack">
        {[...appointments]
          .sort((a, b) => order(a) - order(b))
          .map((a) => {
            const patient = patients.get(patientOf(a));
            const status = a.status === 'arrived' || a.status === 'fulfilled' ? a.status : 'booked';
            return (
              <Card
                key={a.id}
                title={patient ? personName(patient.name, format.language) : patientOf(a)}
                level={2}
              >
                <p>
                  {format.date(a.start, { time: true })}{' '}
                  <Tag kind={status === 'arrived' ? 'success' : 'grey'}>{t(`waiting.${status}`)}</Tag>
                </p>
                <ButtonLink to={`/clinician/consultations/${a.id}`} small>
                  {t('waiting.open')}
                </ButtonLink>
              </Card>
            );
          })}
      </div>
    </Page>
  );
}
