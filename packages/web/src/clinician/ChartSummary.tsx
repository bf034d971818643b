/** Active problems, allergies and current medicines, as three dense tables. */
import type {
  AllergyIntolerance,
  Condition,
  MedicationRequest,
  MedicationStatement,
} from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { Card, DataTable, Empty, Tag } from '../design/index.ts';
import { conceptText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link } from '../router/router.tsx';
import { NS } from './i18n/index.ts';

type Medicine = MedicationRequest | MedicationStatement;

const isActive = (code: string | undefined) =>
  code === 'active' || code === 'recurrence' || code === 'relapse';

export function ChartSummary(props: {
  patientId?: string;
  conditions: Condition[];
  allergies: AllergyIntolerance[];
  medications: Medicine[];
}) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const problems = props.conditions.filter((c) => isActive(c.clinicalStatus?.coding?.[0]?.code));
  const allergies = props.allergies.filter((a) => a.clinicalStatus?.coding?.[0]?.code !== 'resolved');
  const medicines = props.medications.filter((m) => m.status === 'active');
  return (
    <section aria-labelledby="summary-title">
      <h2 id="summary-title">{t('chart.summary')}</h2>
      <div className="grid grid--3">
        <Card title={t('chart.problems')} level={3}>
          {problems.length === 0 ? (
            <Empty>{t('chart.noProblems')}</Empty>
          ) : (
            <DataTable
              caption={t('chart.problems')}
              captionHidden
              testId="chart-problems"
              rows={problems}
              rowKey={(c) => c.id ?? ''}
              columns={[
                // the name wraps so the date stays in view in a narrow card (no sideways scroll)
                { header: t('chart.problems'), wrap: true, cell: (c) => conceptText(c.code) },
                {
                  header: t('chart.since'),
                  cell: (c) => format.date(c.onsetDateTime ?? c.recordedDate, { style: 'numeric' }),
                },
                ...(props.patientId
                  ? [
                      {
                        header: <span className="visually-hidden">{t('chart.correct')}</span>,
                        cell: (c: Condition) => (
                          <Link to={`/clinician/patients/${props.patientId}/correct/Condition/${c.id}`}>
                            {t('chart.correct')}
                          </Link>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          )}
        </Card>
        <Card title={t('chart.allergies')} level={3}>
          {allergies.length === 0 ? (
            <Empty>{t('chart.noAllergies')}</Empty>
          ) : (
            <DataTable
              caption={t('chart.allergies')}
              captionHidden
              testId="chart-allergies"
              rows={allergies}
              rowKey={(a) => a.id ?? ''}
              columns={[
                {
                  header: t('chart.allergies'),
                  cell: (a) => (
                    <>
                      {conceptText(a.code)} {a.criticality === 'high' && <Tag kind="warning">!</Tag>}
                    </>
                  ),
                },
                {
                  header: t('chart.details'),
                  wrap: true,
                  cell: (a) =>
                    (a.reaction ?? [])
                      .flatMap((r) => r.manifestation)
                      .map(conceptText)
                      .join(', '),
                },
              ]}
            />
          )}
        </Card>
        <Card title={t('chart.medications')} level={3}>
          {medicines.length === 0 ? (
            <Empty>{t('chart.noMedications')}</Empty>
          ) : (
            <DataTable
              caption={t('chart.medications')}
              captionHidden
              testId="chart-medications"
              rows={medicines}
              rowKey={(m) => `${m.resourceType}/${m.id}`}
              columns={[
                { header: t('chart.medications'), cell: (m) => conceptText(m.medicationCodeableConcept) },
                {
                  header: t('chart.details'),
                  wrap: true,
                  cell: (m) =>
                    m.resourceType === 'MedicationRequest'
                      ? m.dosageInstruction?.[0]?.text
                      : m.dosage?.[0]?.text,
                },
              ]}
            />
          )}
        </Card>
      </div>
    </section>
  );
}
