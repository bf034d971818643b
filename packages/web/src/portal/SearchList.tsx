/** Asks for a search and lists its resources with the shared loading / empty / error states. */
import type { ExtractResource, ResourceType } from '@medplum/fhirtypes';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SearchParams } from '../api/fhir.ts';
import { useSearchResources } from '../data/index.ts';
import { Empty, ErrorMessage, Loading } from '../design/index.ts';
import { NS } from './i18n/index.ts';

export function SearchList<K extends ResourceType>({
  type,
  params,
  item,
  testId,
}: {
  type: K;
  params: SearchParams;
  item(resource: ExtractResource<K>): ReactNode;
  testId?: string;
}) {
  const { t } = useTranslation(NS);
  const found = useSearchResources(type, params);
  if (found.isPending) return <Loading />;
  if (found.isError) return <ErrorMessage error={found.error} retry={() => void found.refetch()} />;
  if (!found.data?.length) return <Empty>{t('record.noneNext')}</Empty>;
  return (
    <ul className="list-plain" data-testid={testId}>
      {found.data.map((resource) => (
        <li key={resource.id}>{item(resource)}</li>
      ))}
    </ul>
  );
}
