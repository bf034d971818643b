/**
 * Correct a diagnosis or a visit note: the new version replaces the current one (If-Match on its
 * version), every earlier version stays in the history shown below the form.
 */
import type { Bundle, Composition, Condition } from '@medplum/fhirtypes';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../api/http.ts';
import type { PageProps } from '../app/routes.ts';
import { useDataQuery, useResource, useUpdate } from '../data/index.ts';
import {
  Button,
  Choices,
  Empty,
  ErrorMessage,
  Loading,
  Notice,
  TextArea,
  TextField,
} from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { type Icd10Title, icd10Title } from '../fhir/icd10.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { div } from './compose.ts';
import { DiagnosisPicker } from './DiagnosisPicker.tsx';
import { NS } from './i18n/index.ts';
import { noteText } from './note-text.ts';

type Correctable = 'Condition' | 'Composition';

export default function CorrectionPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const type = params.type as Correctable;
  if (type !== 'Condition' && type !== 'Composition') return <Empty>{t('correct.unsupported')}</Empty>;
  return <Correction type={type} id={params.rid} />;
}

function Correction({ type, id }: { type: Correctable; id: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const current = useResource(type, id);
  const history = useDataQuery({
    types: [type],
    key: ['history', type, id],
    load: async (signal) => {
      const { body } = await request<Bundle>('GET', `/fhir/R4/${type}/${encodeURIComponent(id)}/_history`, {
        signal,
      });
      return (body.entry ?? []).map((e) => e.resource as Condition | Composition);
    },
  });
  const update = useUpdate<Condition | Composition>();
  const [text, setText] = useState('');
  const [code, setCode] = useState<Icd10Title>();
  const [status, setStatus] = useState('active');
  const [saved, setSaved] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const resource = current.data;
  const version = resource?.meta?.versionId;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the form takes each new version once
  useEffect(() => {
    if (!resource) return;
    if (resource.resourceType === 'Condition') {
      setText(resource.code?.text ?? conceptText(resource.code));
      const coding = resource.code?.coding?.[0];
      setCode(
        coding?.code ? { code: coding.code, display: coding.display ?? '', language: 'fr' } : undefined,
      );
      setStatus(
        resource.verificationStatus?.coding?.[0]?.code === 'entered-in-error'
          ? 'entered-in-error'
          : (resource.clinicalStatus?.coding?.[0]?.code ?? 'active'),
      );
    } else setText(noteText(resource as Composition));
  }, [version]);

  if (!resource) return current.isError ? <ErrorMessage error={current.error} /> : <Loading />;
  const submit = async () => {
    setFailure(undefined);
    setSaved(false);
    try {
      if (resource.resourceType === 'Condition') {
        const wrong = status === 'entered-in-error';
        // the record's display is the French title, whatever the screen's language
        const french = code && code.language !== 'fr' ? await icd10Title(code.code, 'fr') : code;
        await update.mutateAsync({
          ...resource,
          code: {
            ...resource.code,
            text: text.trim(),
            // a new code from the list: its French title as display (or none), never the old one
            coding: resource.code?.coding?.map((c, i) => {
              if (i > 0 || !code || code.code === c.code) return c;
              const { display: _old, ...rest } = c;
              return {
                ...rest,
                code: code.code,
                ...(french?.language === 'fr' && french.display ? { display: french.display } : {}),
              };
            }),
          },
          clinicalStatus: wrong
            ? resource.clinicalStatus
            : {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: status },
                ],
              },
          ...(wrong
            ? {
                verificationStatus: {
                  coding: [
                    {
                      system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
                      code: 'entered-in-error',
                    },
                  ],
                },
              }
            : {}),
        });
      } else {
        const c = resource as Composition;
        await update.mutateAsync({
          ...c,
          status: c.status === 'final' || c.status === 'amended' ? 'amended' : c.status,
          date: new Date().toISOString(),
          section: [
            { ...c.section?.[0], text: { status: 'generated', div: div(text) } },
            ...(c.section?.slice(1) ?? []),
          ],
        });
      }
      setSaved(true);
      void history.refetch();
    } catch (error) {
      setFailure(error);
    }
  };
  return (
    <>
      <h2>{t('correct.title')}</h2>
      <p className="secondary">{t('correct.lede')}</p>
      {saved && <Notice kind="success">{t('correct.saved')}</Notice>}
      {failure !== undefined && <ErrorMessage error={failure} />}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {resource.resourceType === 'Condition' ? (
          <>
            <DiagnosisPicker id="code" chosen={code} onChoose={setCode} />
            <TextField
              id="text"
              label={t('correct.condition')}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <Choices
              id="status"
              legend={t('correct.status')}
              type="radio"
              options={[
                { value: 'active', label: t('correct.active') },
                { value: 'resolved', label: t('correct.resolved') },
                { value: 'entered-in-error', label: t('correct.enteredInError') },
              ]}
              value={[status]}
              onChange={([s]) => setStatus(s)}
            />
          </>
        ) : (
          <TextArea
            id="text"
            label={t('correct.note')}
            rows={8}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        )}
        <Button disabled={update.isPending}>{t('correct.save')}</Button>
      </form>
      <h3>{t('chart.history')}</h3>
      {history.data ? (
        <ol className="list-plain" data-testid="versions">
          {history.data.map((r) => (
            <li key={r.meta?.versionId}>
              <strong>
                {t('correct.version', {
                  n: r.meta?.versionId,
                  date: format.date(r.meta?.lastUpdated, { time: true }),
                })}
              </strong>
              <p className="note-text" dir="auto">
                {r.resourceType === 'Condition'
                  ? `${r.code?.coding?.[0]?.code ?? ''} ${conceptText(r.code)}`
                  : noteText(r as Composition)}
              </p>
            </li>
          ))}
        </ol>
      ) : (
        <Loading />
      )}
    </>
  );
}
