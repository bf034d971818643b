/**
 * Record a visit: how the patient was seen, vital signs, diagnoses (ICD-10), allergies, current
 * medicines (CNOPS list), PNI immunisations, orders and referrals, the note; then sign and close,
 * or save it open. Problems show next to their field and in the summary (GOV.UK); a refusal of the
 * server is put on the field it names.
 */
import type { Practitioner } from '@medplum/fhirtypes';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { fhir } from '../api/index.ts';
import type { PageProps } from '../app/routes.ts';
import { ANY, useDataMutation, useDataQuery } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  LinkButton,
  Loading,
  QuantityField,
  SelectField,
  TextArea,
  TextField,
} from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { pniAgeLabel, pniDoseLabel } from '../terms/index.ts';
import { findMedicines, type Medicine, recordVisit, terminology } from './api.ts';
import { DiagnosisPicker } from './DiagnosisPicker.tsx';
import { NS } from './i18n/index.ts';
import {
  EMPTY_VISIT,
  fieldOfServerPath,
  type Mode,
  type OrderRow,
  type VisitProblem,
  type VisitValues,
  visitProblems,
  visitRequest,
} from './visit-form.ts';

function Section({ legend, hint, children }: { legend: string; hint?: string; children: ReactNode }) {
  return (
    <fieldset className="section-box">
      <legend>{legend}</legend>
      {hint && <p className="field__hint">{hint}</p>}
      {children}
    </fieldset>
  );
}

export default function VisitPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const language = useLanguage();
  const patientId = params.id;
  const terms = useDataQuery({
    types: [],
    key: ['records-terminology'],
    load: (signal) => terminology(signal),
  });
  const [v, setV] = useState<VisitValues>(EMPTY_VISIT);
  const [problems, setProblems] = useState<VisitProblem[]>([]);
  const [focusKey, setFocusKey] = useState(0);
  const [failure, setFailure] = useState<unknown>();
  const [medicineQuery, setMedicineQuery] = useState('');
  const [medicines, setMedicines] = useState<Medicine[]>();
  const [performerQuery, setPerformerQuery] = useState<Record<number, string>>({});
  const [performers, setPerformers] = useState<Record<number, Practitioner[]>>({});
  const save = useDataMutation({
    write: (sign: boolean) => recordVisit(visitRequest(patientId, v, sign)),
    changes: () => [{ resourceType: ANY }],
  });

  if (!terms.data)
    return terms.isError ? (
      <ErrorMessage error={terms.error} retry={() => void terms.refetch()} />
    ) : (
      <Loading />
    );
  const vitals = terms.data.vitals;
  const message = (p: VisitProblem) => t(p.key, p.params ?? {});
  const errorOf = (field: string) => {
    const p = problems.find((x) => x.field === field);
    if (!p) return undefined;
    return p.key === 'form.refused' ? common('form.refused') : message(p);
  };
  const set = <K extends keyof VisitValues>(key: K, value: VisitValues[K]) =>
    setV((old) => ({ ...old, [key]: value }));
  const setRow = <K extends 'diagnoses' | 'allergies' | 'medications' | 'immunizations' | 'orders'>(
    key: K,
    index: number,
    change: Partial<VisitValues[K][number]>,
  ) =>
    setV((old) => ({ ...old, [key]: old[key].map((row, i) => (i === index ? { ...row, ...change } : row)) }));
  const removeRow = (
    key: 'diagnoses' | 'allergies' | 'medications' | 'immunizations' | 'orders',
    index: number,
  ) => setV((old) => ({ ...old, [key]: old[key].filter((_, i) => i !== index) }));
  const remove = (
    key: 'diagnoses' | 'allergies' | 'medications' | 'immunizations' | 'orders',
    index: number,
  ) => (
    <LinkButton onClick={() => removeRow(key, index)} aria-label={t('visit.removeRow', { n: index + 1 })}>
      {t('visit.remove')}
    </LinkButton>
  );

  const submit = async (sign: boolean) => {
    const found = visitProblems(v, vitals, sign);
    setProblems(found);
    setFocusKey((n) => n + 1);
    setFailure(undefined);
    if (found.length) return;
    try {
      await save.mutateAsync(sign);
      navigate(`/clinician/patients/${patientId}?visit=${sign ? 'signed' : 'open'}`);
    } catch (error) {
      const blamed =
        error instanceof ApiError
          ? (error.outcome?.issue ?? [])
              .flatMap((i) => i.expression ?? [])
              .map(fieldOfServerPath)
              .filter((f): f is string => Boolean(f))
          : [];
      if (blamed.length) {
        setProblems(blamed.map((field) => ({ field, key: 'form.refused' })));
        setFocusKey((n) => n + 1);
      } else setFailure(error);
    }
  };
  const summary = problems.map((p) => ({
    field: p.field,
    message: p.key === 'form.refused' ? common('form.refused') : message(p),
  }));
  const findMedicine = async () => {
    if (medicineQuery.trim().length < 2) return;
    setMedicines(await findMedicines(medicineQuery.trim()));
  };
  const findPerformer = async (index: number) => {
    const q = (performerQuery[index] ?? '').trim();
    if (q.length < 2) return;
    const [byName, byPhonetic] = await Promise.all([
      fhir.searchResources('Practitioner', { name: q, _count: 10 }),
      fhir
        .searchResources(
          'Practitioner',
          { phonetic: q, _count: 10 },
          { headers: { prefer: 'handling=strict' } },
        )
        .catch(() => []),
    ]);
    const seen = new Set<string>();
    setPerformers((old) => ({
      ...old,
      [index]: [...byName, ...byPhonetic].filter((p) => p.id && !seen.has(p.id) && seen.add(p.id)),
    }));
  };

  return (
    <>
      <h2>{t('visit.title')}</h2>
      <p className="secondary">{t('visit.lede')}</p>
      <ErrorSummary errors={summary} focusKey={focusKey} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <Choices
          id="mode"
          legend={t('visit.mode')}
          type="radio"
          options={(['in-person', 'home', 'mobile-unit', 'video'] as Mode[]).map((m) => ({
            value: m,
            label: t(`visit.modes.${m}`),
          }))}
          value={[v.mode]}
          onChange={([m]) => set('mode', m as Mode)}
        />
        <TextField
          id="reason"
          label={t('visit.reason')}
          hint={t('visit.reasonHint')}
          value={v.reason}
          onChange={(e) => set('reason', e.target.value)}
        />

        <Section legend={t('visit.vitals')} hint={t('visit.vitalsHint')}>
          <div className="vitals-grid">
            {vitals.map((sign) => (
              <QuantityField
                key={sign.key}
                id={`vital-${sign.key}`}
                label={t(`visit.vital.${sign.key}`, { defaultValue: sign.display })}
                hint={sign.usual ? t('visit.usual', { low: sign.usual[0], high: sign.usual[1] }) : undefined}
                unit={t(`visit.units.${sign.unit}`, { defaultValue: sign.unit })}
                error={errorOf(`vital-${sign.key}`)}
                value={v.vitals[sign.key] ?? ''}
                onChange={(e) => set('vitals', { ...v.vitals, [sign.key]: e.target.value })}
              />
            ))}
          </div>
        </Section>

        <Section legend={t('visit.diagnoses')} hint={t('visit.diagnosesHint')}>
          {v.diagnoses.map((d, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <div className="row-fields" key={i} data-testid={`diagnosis-row-${i}`}>
              <DiagnosisPicker
                id={`diagnosis-${i}-code`}
                chosen={
                  d.code
                    ? { code: d.code, display: d.display ?? '', language: d.displayLanguage ?? language }
                    : undefined
                }
                error={errorOf(`diagnosis-${i}-code`)}
                onChoose={(c) =>
                  setRow('diagnoses', i, {
                    code: c?.code ?? '',
                    display: c?.display,
                    displayLanguage: c?.language,
                  })
                }
              />
              <TextField
                id={`diagnosis-${i}-text`}
                label={t('visit.diagnosisText')}
                hint={t('visit.diagnosisTextHint')}
                value={d.text}
                error={errorOf(`diagnosis-${i}-text`)}
                onChange={(e) => setRow('diagnoses', i, { text: e.target.value })}
              />
              <Choices
                id={`diagnosis-${i}-status`}
                legend={<span className="visually-hidden">{t('visit.resolved')}</span>}
                type="checkbox"
                options={[{ value: 'resolved', label: t('visit.resolved') }]}
                value={d.status === 'resolved' ? ['resolved'] : []}
                onChange={(values) =>
                  setRow('diagnoses', i, { status: values.includes('resolved') ? 'resolved' : 'active' })
                }
              />
              {remove('diagnoses', i)}
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            small
            onClick={() => set('diagnoses', [...v.diagnoses, { code: '', text: '', status: 'active' }])}
          >
            {t('visit.addDiagnosis')}
          </Button>
        </Section>

        <Section legend={t('visit.allergies')}>
          {v.allergies.map((a, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <div className="row-fields" key={i}>
              <TextField
                id={`allergy-${i}-substance`}
                label={t('visit.substance')}
                value={a.substance}
                error={errorOf(`allergy-${i}-substance`)}
                onChange={(e) => setRow('allergies', i, { substance: e.target.value })}
              />
              <TextField
                id={`allergy-${i}-reaction`}
                label={t('visit.reaction')}
                value={a.reaction}
                onChange={(e) => setRow('allergies', i, { reaction: e.target.value })}
              />
              <Choices
                id={`allergy-${i}-high`}
                legend={<span className="visually-hidden">{t('visit.high')}</span>}
                type="checkbox"
                options={[{ value: 'high', label: t('visit.high') }]}
                value={a.high ? ['high'] : []}
                onChange={(values) => setRow('allergies', i, { high: values.includes('high') })}
              />
              {remove('allergies', i)}
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            small
            onClick={() => set('allergies', [...v.allergies, { substance: '', reaction: '', high: false }])}
          >
            {t('visit.addAllergy')}
          </Button>
        </Section>

        <Section legend={t('visit.medications')} hint={t('visit.medicationsHint')}>
          {v.medications.map((m, i) => (
            <div className="row-fields" key={m.code}>
              <p>
                <strong>{m.display}</strong>
              </p>
              <TextField
                id={`medication-${i}-dosage`}
                label={t('visit.dosage')}
                value={m.dosage}
                error={errorOf(`medication-${i}-dosage`)}
                onChange={(e) => setRow('medications', i, { dosage: e.target.value })}
              />
              {remove('medications', i)}
            </div>
          ))}
          <div className="cluster">
            <TextField
              id="medicine-search"
              label={t('visit.medicineSearch')}
              value={medicineQuery}
              onChange={(e) => setMedicineQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  void findMedicine();
                }
              }}
            />
            <Button type="button" variant="secondary" small onClick={() => void findMedicine()}>
              {t('visit.medicineSearchButton')}
            </Button>
          </div>
          {medicines?.length === 0 && <p className="empty">{t('visit.noMedicine')}</p>}
          {medicines && medicines.length > 0 && (
            <ul className="list-plain">
              {medicines.slice(0, 8).map((m) => (
                <li key={m.code}>
                  <LinkButton
                    onClick={() => {
                      if (!v.medications.some((x) => x.code === m.code))
                        set('medications', [
                          ...v.medications,
                          { code: m.code, display: m.display, dosage: '' },
                        ]);
                      setMedicines(undefined);
                      setMedicineQuery('');
                    }}
                  >
                    {t('visit.chooseMedicine', { name: m.display })}
                  </LinkButton>
                </li>
              ))}
            </ul>
          )}
        </Section>

        <Section legend={t('visit.immunizations')}>
          {v.immunizations.map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <div className="row-fields" key={i}>
              <SelectField
                id={`immunization-${i}-dose`}
                label={t('visit.vaccine')}
                value={m.dose}
                error={errorOf(`immunization-${i}-dose`)}
                onChange={(e) => setRow('immunizations', i, { dose: e.target.value })}
                options={[
                  { value: '', label: t('visit.chooseVaccine') },
                  ...terms.data.pni.map((d) => ({
                    value: `${d.antigen}|${d.dose}`,
                    label: `${pniAgeLabel(language, d.ageDays, d.ageLabel)} — ${pniDoseLabel(language, d.antigen, d.dose, d.vaccine)}`,
                  })),
                ]}
              />
              <TextField
                id={`immunization-${i}-date`}
                type="date"
                label={t('visit.vaccineDate')}
                value={m.date}
                dir="ltr"
                onChange={(e) => setRow('immunizations', i, { date: e.target.value })}
              />
              {remove('immunizations', i)}
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            small
            onClick={() => set('immunizations', [...v.immunizations, { dose: '', date: '' }])}
          >
            {t('visit.addImmunization')}
          </Button>
        </Section>

        <Section legend={t('visit.orders')}>
          {v.orders.map((o, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their place
            <div className="row-fields" key={i}>
              <SelectField
                id={`order-${i}-kind`}
                label={t('visit.orderKind')}
                value={o.kind}
                onChange={(e) => setRow('orders', i, { kind: e.target.value as OrderRow['kind'] })}
                options={(['lab', 'imaging', 'referral'] as const).map((k) => ({
                  value: k,
                  label: t(`visit.kinds.${k}`),
                }))}
              />
              <TextField
                id={`order-${i}-text`}
                label={t('visit.orderText')}
                value={o.text}
                error={errorOf(`order-${i}-text`)}
                onChange={(e) => setRow('orders', i, { text: e.target.value })}
              />
              {o.kind === 'referral' &&
                (o.performer ? (
                  <p>
                    {t('labelled', { ns: 'common', label: t('visit.performer'), value: o.performerName })}{' '}
                    <LinkButton onClick={() => setRow('orders', i, { performer: '', performerName: '' })}>
                      {t('visit.remove')}
                    </LinkButton>
                  </p>
                ) : (
                  <div>
                    <TextField
                      id={`order-${i}-performer`}
                      label={t('visit.performerSearch')}
                      error={errorOf(`order-${i}-performer`)}
                      value={performerQuery[i] ?? ''}
                      onChange={(e) => setPerformerQuery((q) => ({ ...q, [i]: e.target.value }))}
                    />
                    <Button type="button" variant="secondary" small onClick={() => void findPerformer(i)}>
                      {t('visit.performerFind')}
                    </Button>
                    {performers[i]?.length === 0 && <p className="empty">{t('visit.noPerformer')}</p>}
                    <ul className="list-plain">
                      {(performers[i] ?? []).map((p) => (
                        <li key={p.id}>
                          <LinkButton
                            onClick={() =>
                              setRow('orders', i, {
                                performer: `Practitioner/${p.id}`,
                                performerName: personName(p.name, language),
                              })
                            }
                          >
                            {personName(p.name, language)}
                          </LinkButton>
                        </li>
                      ))}
                    </ul>
                  </div>
                ))}
              {remove('orders', i)}
            </div>
          ))}
          <Button
            type="button"
            variant="secondary"
            small
            onClick={() =>
              set('orders', [...v.orders, { kind: 'lab', text: '', performer: '', performerName: '' }])
            }
          >
            {t('visit.addOrder')}
          </Button>
        </Section>

        <TextArea
          id="note"
          label={t('visit.note')}
          hint={t('visit.noteHint')}
          rows={6}
          value={v.note}
          error={errorOf('note')}
          onChange={(e) => set('note', e.target.value)}
        />
        <p className="field__hint">{t('visit.signHint')}</p>
        <div className="cluster">
          <Button disabled={save.isPending}>{save.isPending ? t('visit.saving') : t('visit.sign')}</Button>
          <Button
            type="button"
            variant="secondary"
            disabled={save.isPending}
            onClick={() => void submit(false)}
          >
            {t('visit.saveOpen')}
          </Button>
        </div>
      </form>
    </>
  );
}
