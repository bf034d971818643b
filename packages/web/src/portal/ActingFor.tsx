/** "Acting for": the banner on every portal page while acting for someone, and the list to choose from. */
import { useTranslation } from 'react-i18next';
import { useDataQuery } from '../data/index.ts';
import { Button, Card, LinkButton, Notice } from '../design/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { dependants, setActingFor, useActingFor } from './acting-for.ts';
import { NS } from './i18n/index.ts';
import { useOwnPatientId } from './usePatientId.ts';

const useDependants = (enabled = true) =>
  useDataQuery({
    types: ['RelatedPerson', 'Patient'],
    key: ['dependants'],
    load: (signal) => dependants(signal),
    enabled,
  });

export function ActingForBanner() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const actingFor = useActingFor();
  const own = useOwnPatientId();
  const list = useDependants(Boolean(actingFor));
  if (!actingFor || actingFor === own) return null;
  const person = list.data?.actingFor.find((d) => d.patient === `Patient/${actingFor}`);
  const name = person ? (language === 'ar' && person.arabicName ? person.arabicName : person.name) : '…';
  return (
    <Notice kind="warning">
      <div className="row-between" data-testid="acting-for">
        <strong>{t('actingFor.banner', { name })}</strong>
        <LinkButton
          onClick={() => {
            setActingFor(undefined);
            navigate('/portal');
          }}
        >
          {t('actingFor.back')}
        </LinkButton>
      </div>
    </Notice>
  );
}

export function DependantsCard() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const list = useDependants();
  const actingFor = useActingFor();
  if (!list.data || (list.data.actingFor.length === 0 && list.data.actedForBy.length === 0)) return null;
  return (
    <Card title={t('actingFor.title')} testId="dependants">
      {list.data.actingFor.length > 0 && <p className="secondary">{t('actingFor.lede')}</p>}
      <ul className="list-plain">
        {list.data.actingFor.map((d) => {
          const name = language === 'ar' && d.arabicName ? d.arabicName : d.name;
          const id = d.patient.replace('Patient/', '');
          return (
            <li key={d.relatedPerson} className="row-between">
              <span>
                <bdi>{name}</bdi>{' '}
                <span className="secondary">
                  ({t(`actingFor.relationship.${d.relationship}`, { defaultValue: d.relationship })})
                </span>
              </span>
              {actingFor !== id && (
                <Button
                  type="button"
                  variant="secondary"
                  small
                  onClick={() => {
                    setActingFor(id);
                    navigate('/portal');
                  }}
                >
                  {t('actingFor.open', { name })}
                </Button>
              )}
            </li>
          );
        })}
      </ul>
      {list.data.actedForBy.length > 0 && (
        <p className="secondary">
          {t('actingFor.represented', { names: list.data.actedForBy.map((d) => d.name).join(', ') })}
        </p>
      )}
    </Card>
  );
}
