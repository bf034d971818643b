/**
 * The programme manager's landing view: counts over all patients (`_summary=count`) and the most
 * measured LOINC codes (`Observation/$aggregate`), every cell under 5 suppressed by the server.
 */
import type { MeasureReport } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { request } from '../api/http.ts';
import { fhir } from '../api/index.ts';
import { useDataQuery } from '../data/index.ts';
import { Card, DataTable, ErrorMessage, Loading, Page } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { NS } from './i18n/index.ts';

const COUNTED = ['Patient', 'Encounter', 'Observation', 'Immunization', 'Condition'] as const;
const LABEL = {
  Patient: 'patients',
  Encounter: 'encounters',
  Observation: 'observations',
  Immunization: 'immunizations',
  Condition: 'conditions',
} as const;

async function counts(signal: AbortSignal) {
  const totals = await Promise.all(
    COUNTED.map(
      async (type) => [type, (await fhir.search(type, { _summary: 'count' }, { signal })).total] as const,
    ),
  );
  const { body } = await request<MeasureReport>('GET', '/fhir/R4/Observation/$aggregate?group-by=code', {
    signal,
  });
  const cells = (body.group?.[0]?.stratifier?.[0]?.stratum ?? [])
    .map((s) => ({ code: s.value?.text ?? s.value?.coding?.[0]?.code ?? '', count: s.measureScore?.value }))
    .sort((a, b) => (b.count ?? 0) - (a.count ?? 0))
    .slice(0, 10);
  return { totals, cells };
}

export function ProgrammeView() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const data = useDataQuery({ types: [...COUNTED], key: ['programme-counts'], load: counts });
  return (
    <Page title={t('programme.title')} lede={t('programme.lede')}>
      {data.isPending && <Loading />}
      {data.isError && <ErrorMessage error={data.error} retry={() => void data.refetch()} />}
      {data.data && (
        <>
          <div className="grid grid--3" data-testid="programme-counts">
            {data.data.totals.map(([type, total]) => (
              <Card key={type} title={t(`programme.${LABEL[type]}`)} level={2}>
                <p className="h2-like">
                  {total === undefined ? t('programme.suppressed') : format.number(total)}
                </p>
              </Card>
            ))}
          </div>
          <DataTable
            caption={t('programme.byCode')}
            rows={data.data.cells}
            rowKey={(c) => c.code}
            columns={[
              { header: t('programme.code'), cell: (c) => <bdi>{c.code}</bdi> },
              {
                header: t('programme.count'),
                numeric: true,
                cell: (c) => (c.count === undefined ? t('programme.suppressed') : format.number(c.count)),
              },
            ]}
          />
          <p className="secondary">{t('programme.note')}</p>
        </>
      )}
    </Page>
  );
}
