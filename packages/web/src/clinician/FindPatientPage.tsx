/**
 * Find a patient by CNIE or name (any spelling), results in a dense table. The query lives in the
 * address (?q=), so Back returns to the same results.
 */
import type { Patient } from '@medplum/fhirtypes';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { resourcesOf } from '../api/fhir.ts';
import { ApiError, fhir } from '../api/index.ts';
import { useSession } from '../auth/session.tsx';
import { EmergencyAccessPanel } from '../clinical/EmergencyAccessPanel.tsx';
import { useDataQuery } from '../data/index.ts';
import {
  Button,
  DataTable,
  Empty,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Page,
  TextField,
} from '../design/index.ts';
import { CNIE_SYSTEM, identifierValue, otherScriptName, personName } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link, navigate, useLocation } from '../router/router.tsx';
import { BREAK_GLASS_ROLES } from './break-glass-rules.ts';
import { NS } from './i18n/index.ts';
import { mergePatients, planPatientSearch } from './patient-search.ts';

async function findPatients(query: string, signal: AbortSignal): Promise<Patient[]> {
  const plan = planPatientSearch(query);
  if (plan === 'missing') return [];
  const lists = await Promise.all(
    plan.map((s) =>
      fhir.search('Patient', s.params, { headers: s.headers, signal }).then(
        (bundle) => resourcesOf(bundle, 'Patient'),
        (error: unknown) => {
          if (s.optional && error instanceof ApiError && error.status === 400) return [];
          throw error;
        },
      ),
    ),
  );
  return mergePatients(lists);
}

export default function FindPatientPage() {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const format = useFormat();
  const { search } = useLocation();
  const q = search.get('q') ?? '';
  const [text, setText] = useState(q);
  const [problem, setProblem] = useState<string>();
  const results = useDataQuery({
    types: ['Patient'],
    key: ['find-patient', q],
    load: (signal) => findPatients(q, signal),
    enabled: Boolean(q),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (planPatientSearch(text) === 'missing') {
      setProblem(t('find.queryMissing'));
      return;
    }
    setProblem(undefined);
    navigate(`/clinician?q=${encodeURIComponent(text.trim())}`, { replace: Boolean(q) });
  };

  const errors = problem ? [{ field: 'q', message: problem }] : [];
  const mayBreakGlass = (useSession().user?.roles ?? []).some((r) => BREAK_GLASS_ROLES.includes(r));
  return (
    <Page title={t('find.title')}>
      <ErrorSummary errors={errors} />
      <search>
        <form onSubmit={submit} noValidate>
          <TextField
            id="q"
            type="search"
            label={t('find.query')}
            hint={t('find.queryHint')}
            error={problem}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
          <Button>{common('actions.search')}</Button>
        </form>
      </search>
      {q && results.isPending && <Loading />}
      {results.isError && <ErrorMessage error={results.error} retry={() => void results.refetch()} />}
      {results.data?.length === 0 && <Empty>{t('find.none')}</Empty>}
      {results.data?.length === 0 && mayBreakGlass && <EmergencyAccessPanel key={q} initial={q} />}
      {results.data && results.data.length > 0 && (
        <>
          <p role="status">{t('find.resultsCount', { count: results.data.length })}</p>
          <DataTable
            caption={t('find.results')}
            captionHidden
            testId="patient-results"
            rows={results.data}
            rowKey={(p) => p.id ?? ''}
            columns={[
              {
                header: t('find.name'),
                cell: (p) => (
                  <>
                    <Link to={`/clinician/patients/${p.id}`}>{personName(p.name, format.language)}</Link>
                    <br />
                    <bdi className="secondary">{otherScriptName(p.name, format.language)}</bdi>
                  </>
                ),
              },
              {
                header: common('person.cnie'),
                cell: (p) => <bdi>{identifierValue(p.identifier, CNIE_SYSTEM)}</bdi>,
              },
              {
                header: common('person.birthDate'),
                cell: (p) =>
                  p.birthDate
                    ? `${format.date(p.birthDate, { style: 'numeric' })} (${format.age(p.birthDate)})`
                    : '',
              },
              {
                header: common('person.gender'),
                cell: (p) => (p.gender ? common(`gender.${p.gender}`) : ''),
              },
              { header: t('find.city'), cell: (p) => p.address?.[0]?.city ?? '' },
            ]}
          />
        </>
      )}
    </Page>
  );
}
