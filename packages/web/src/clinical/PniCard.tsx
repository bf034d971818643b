/** A child's national immunisation schedule: each dose done, due, late or upcoming. */
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../data/index.ts';
import { ErrorMessage, Loading, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { pniAgeLabel, pniDoseLabel } from '../terms/index.ts';
import { immunisationStatus } from './api.ts';
import { NS } from './i18n/index.ts';

const KIND = { done: 'success', due: 'warning', late: 'warning', upcoming: 'grey' } as const;

export function PniCard({ patientId }: { patientId: string }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const status = useDataQuery({
    types: ['Immunization', 'Patient'],
    key: ['pni', patientId],
    load: (signal) => immunisationStatus(patientId, signal),
  });
  if (status.isPending) return <Loading />;
  if (status.isError) return <ErrorMessage error={status.error} retry={() => void status.refetch()} />;
  return (
    <ul className="list-plain" data-testid="pni">
      {status.data.map((d) => (
        <li key={`${d.antigen}-${d.dose}`} className="row-between">
          <span>
            <strong>{pniDoseLabel(format.language, d.antigen, d.dose, d.vaccine)}</strong>
            <br />
            <span className="secondary">
              {pniAgeLabel(format.language, d.ageDays, d.ageLabel)} ·{' '}
              {d.given
                ? t('chart.givenOn', { date: format.date(d.given) })
                : t('chart.dueOn', { date: format.date(d.dueDate) })}
            </span>
          </span>
          <Tag kind={KIND[d.state]}>{t(`chart.states.${d.state}`)}</Tag>
        </li>
      ))}
    </ul>
  );
}
