/** The health-worker directory: Practitioners with their roles, in a dense table. */

import type { Bundle } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { resourcesOf } from '../api/fhir.ts';
import { useSearch } from '../data/index.ts';
import { ButtonLink, DataTable, Empty, ErrorMessage, Loading, Notice, Page } from '../design/index.ts';
import { personName } from '../fhir/display.ts';
import type { Language } from '../i18n/languages.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { Link, useLocation } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import { activeRoles, practitionerValues } from './practitioner.ts';

const DIRECTORY = { _revinclude: 'PractitionerRole:practitioner', _sort: 'family', _count: 500 };

function practitionerRows(bundle: Bundle, language: Language) {
  const roles = resourcesOf(bundle, 'PractitionerRole');
  return resourcesOf(bundle, 'Practitioner').map((practitioner) => {
    const mine = activeRoles(
      roles.filter((r) => r.practitioner?.reference === `Practitioner/${practitioner.id}`),
    );
    return {
      id: practitioner.id ?? '',
      name: personName(practitioner.name, language),
      values: practitionerValues(practitioner, mine),
      organizations: [...new Set(mine.map((r) => r.organization?.display ?? '').filter(Boolean))],
    };
  });
}

export default function PractitionersPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const { search } = useLocation();
  const directory = useSearch('Practitioner', DIRECTORY);
  const rows = directory.data ? practitionerRows(directory.data, language) : undefined;
  return (
    <Page title={t('practitioners.title')} lede={t('practitioners.lede')}>
      {search.get('saved') && <Notice kind="success">{t('practitioners.saved')}</Notice>}
      <p>
        <ButtonLink to="/admin/practitioners/new">{t('practitioners.add')}</ButtonLink>
      </p>
      {directory.isPending && <Loading />}
      {directory.isError && <ErrorMessage error={directory.error} retry={() => void directory.refetch()} />}
      {rows?.length === 0 && <Empty>{t('practitioners.none')}</Empty>}
      {rows && rows.length > 0 && (
        <DataTable
          caption={t('practitioners.title')}
          captionHidden
          testId="practitioners"
          rows={rows}
          rowKey={(p) => p.id}
          columns={[
            {
              header: t('practitioners.name'),
              cell: (p) => <Link to={`/admin/practitioners/${p.id}`}>{p.name}</Link>,
            },
            {
              header: t('practitioners.roles'),
              cell: (p) =>
                p.values.roles.map((r) => t(`practitioners.roleNames.${r}`, { defaultValue: r })).join(', '),
            },
            {
              header: t('practitioners.specialty'),
              cell: (p) => (p.values.specialty ? t(`practitioners.specialties.${p.values.specialty}`) : ''),
            },
            {
              header: t('practitioners.organization'),
              cell: (p) =>
                p.organizations.length > 1 ? (
                  <ul className="list-plain">
                    {p.organizations.map((o) => (
                      <li key={o}>{o}</li>
                    ))}
                  </ul>
                ) : (
                  p.organizations[0]
                ),
            },
            { header: t('practitioners.inpe'), cell: (p) => <bdi>{p.values.inpe}</bdi> },
          ]}
        />
      )}
    </Page>
  );
}
