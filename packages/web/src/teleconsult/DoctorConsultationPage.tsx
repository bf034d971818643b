/** The practitioner's consultation: the call, the report (Composition) and the signed prescription. */
import type { Composition } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { useSession } from '../auth/session.tsx';
import { useCreate, useSearchResources } from '../data/index.ts';
import { Button, Card, ErrorMessage, Loading, Notice, Page, TextArea, TextField } from '../design/index.ts';
import { createPrescription, endConsultation, findMedicines, type Medicine, pdfUrl } from './api.ts';
import { CallView } from './CallView.tsx';
import { NS } from './i18n/index.ts';
import { consultationReport, type ReportValues, reportProblems } from './report.ts';
import { useConsultation } from './useConsultation.ts';

export default function DoctorConsultationPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const state = useConsultation(params.appointment);
  const [inCall, setInCall] = useState(false);
  if (state.isError)
    return (
      <Page title={t('room.title')}>
        <ErrorMessage error={state.error} retry={() => void state.refetch()} />
      </Page>
    );
  if (!state.data) return <Loading />;
  const s = state.data;
  const finished = s.encounter?.status === 'finished' || s.status === 'fulfilled';
  return (
    <Page
      title={`${t('room.title')} — ${s.patient.name ?? ''}`}
      back={{ to: '/clinician/waiting-room', label: t('waiting.title') }}
    >
      {finished ? (
        <Notice kind="success">{t('room.ended')}</Notice>
      ) : inCall ? (
        <CallView
          state={s}
          canEnd
          onEnd={async () => {
            await endConsultation(s.appointment);
            setInCall(false);
            await state.refetch();
          }}
          onEnded={() => void state.refetch()}
        />
      ) : (
        <>
          <Notice>{s.status === 'arrived' ? t('room.patientArrived') : t('room.doctorWaiting')}</Notice>
          <Button type="button" onClick={() => setInCall(true)} disabled={!s.joinable}>
            {t('room.start')}
          </Button>
        </>
      )}
      {s.encounter && (
        <ReportForm
          patient={s.patient.reference}
          encounter={`Encounter/${s.encounter.id}`}
          practitioners={s.practitioners}
        />
      )}
      <PrescriptionForm
        patient={s.patient.reference}
        encounter={s.encounter ? `Encounter/${s.encounter.id}` : undefined}
      />
    </Page>
  );
}

function ReportForm({
  patient,
  encounter,
  practitioners,
}: {
  patient: string;
  encounter: string;
  practitioners: { reference: string; name?: string }[];
}) {
  const { t } = useTranslation(NS);
  const me = useSession().user?.fhirUser ?? '';
  const authorName = practitioners.find((p) => p.reference === me)?.name;
  const create = useCreate<Composition>();
  // a report already written for this encounter (the page reopened): said, not offered again
  const written = useSearchResources('Composition', { encounter, _count: 1 });
  const [values, setValues] = useState<ReportValues>({ reason: '', findings: '', conclusion: '', plan: '' });
  const [tried, setTried] = useState(false);
  const problems = tried ? reportProblems(values) : [];
  const field = (key: keyof ReportValues) => ({
    id: `report-${key}`,
    label: t(`report.${key}`),
    value: values[key],
    error: problems.includes(key) ? t('report.missing') : undefined,
    onChange: (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value })),
  });
  return (
    <Card title={t('report.title')} level={2}>
      {create.isSuccess || written.data?.length ? (
        <Notice kind="success">{t('report.saved')}</Notice>
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setTried(true);
            if (reportProblems(values).length) return;
            create.mutate(
              consultationReport({
                values,
                patient,
                encounter,
                author: me,
                ...(authorName ? { authorName } : {}),
                date: new Date().toISOString(),
              }),
            );
          }}
        >
          {create.isError && <ErrorMessage error={create.error} />}
          <TextArea {...field('reason')} />
          <TextArea {...field('findings')} />
          <TextArea {...field('conclusion')} />
          <TextArea {...field('plan')} />
          <Button disabled={create.isPending}>{t('report.save')}</Button>
        </form>
      )}
    </Card>
  );
}

interface Line {
  key: number;
  medicine: Medicine;
  dosage: string;
  quantity: string;
  days: string;
}

function PrescriptionForm({ patient, encounter }: { patient: string; encounter?: string }) {
  const { t } = useTranslation(NS);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Medicine[]>();
  const [lines, setLines] = useState<Line[]>([]);
  const [note, setNote] = useState('');
  const [validity, setValidity] = useState('');
  const [signed, setSigned] = useState<{ id: string }>();
  const [failure, setFailure] = useState<unknown>();
  const [empty, setEmpty] = useState(false);
  const search = async () => setFound(query.trim().length >= 2 ? await findMedicines(query.trim()) : []);
  const change = (i: number, patch: Partial<Line>) =>
    setLines((l) => l.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  if (signed)
    return (
      <Card title={t('prescription.title')} level={2}>
        <Notice kind="success">{t('prescription.signed')}</Notice>
        <p>
          <a href={pdfUrl(signed.id, 'fr')}>{t('prescription.pdf')}</a> ·{' '}
          <a href={pdfUrl(signed.id, 'ar')}>{t('prescription.pdfAr')}</a>
        </p>
      </Card>
    );
  return (
    <Card title={t('prescription.title')} level={2}>
      {failure !== undefined && <ErrorMessage error={failure} />}
      <TextField
        id="medicine-search"
        label={t('prescription.search')}
        hint={t('prescription.searchHint')}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void search();
          }
        }}
      />
      <Button type="button" variant="secondary" small onClick={() => void search()}>
        {t('actions.search', { ns: 'common' })}
      </Button>
      {found && (
        <ul className="list-plain">
          {found.map((m) => (
            <li key={m.code}>
              <bdi>{m.display}</bdi>{' '}
              <Button
                type="button"
                small
                variant="secondary"
                onClick={() => {
                  setLines((l) => [
                    ...l,
                    { key: Date.now() + l.length, medicine: m, dosage: '', quantity: '1', days: '7' },
                  ]);
                  setEmpty(false);
                }}
              >
                {t('prescription.choose')}
              </Button>
            </li>
          ))}
        </ul>
      )}
      {lines.length > 0 && <h3>{t('prescription.lines')}</h3>}
      {lines.map((line, i) => (
        <div className="rx-line" key={line.key}>
          <p>
            <strong>
              <bdi>{line.medicine.display}</bdi>
            </strong>
          </p>
          <TextField
            id={`dosage-${i}`}
            label={t('prescription.dosage')}
            value={line.dosage}
            onChange={(e) => change(i, { dosage: e.target.value })}
          />
          <TextField
            id={`quantity-${i}`}
            short
            inputMode="numeric"
            label={t('prescription.quantity')}
            value={line.quantity}
            onChange={(e) => change(i, { quantity: e.target.value })}
          />
          <TextField
            id={`days-${i}`}
            short
            inputMode="numeric"
            label={t('prescription.days')}
            value={line.days}
            onChange={(e) => change(i, { days: e.target.value })}
          />
          <Button
            type="button"
            variant="secondary"
            small
            onClick={() => setLines((l) => l.filter((_, j) => j !== i))}
          >
            {t('prescription.remove')}
          </Button>
        </div>
      ))}
      <TextArea
        id="rx-note"
        label={t('prescription.note')}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <TextField
        id="rx-validity"
        short
        inputMode="numeric"
        label={t('prescription.validity')}
        hint={t('prescription.validityHint')}
        value={validity}
        onChange={(e) => setValidity(e.target.value)}
      />
      {empty && <Notice kind="warning">{t('prescription.empty')}</Notice>}
      <Button
        type="button"
        onClick={() => {
          if (lines.length === 0) return setEmpty(true);
          setFailure(undefined);
          createPrescription({
            patient,
            ...(encounter ? { encounter } : {}),
            items: lines.map((l) => ({
              code: l.medicine.code,
              dosage: l.dosage,
              quantity: Number(l.quantity),
              durationDays: Number(l.days),
            })),
            ...(note.trim() ? { note: note.trim() } : {}),
            ...(validity.trim() ? { validityDays: Number(validity.trim()) } : {}),
          }).then(setSigned, setFailure);
        }}
      >
        {t('prescription.sign')}
      </Button>
    </Card>
  );
}
