/**
 * Who looked at my record, when and why (law 09-08). Carers' accesses come first; the patient's
 * own visits are hidden unless asked for; emergency accesses stand out with their stated reason.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, accessLog } from '../api/index.ts';
import { useDataPages } from '../data/index.ts';
import { Button, Choices, Empty, ErrorMessage, Loading, Page, Tag } from '../design/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { listText, roleLabel } from '../terms/index.ts';
import { accessLine, groupVisits } from './access-log-view.ts';
import { NS } from './i18n/index.ts';
import { useOwnPatientId, usePatientId } from './usePatientId.ts';
import { usePractitionerNames } from './usePractitionerNames.ts';

export default function AccessLogPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  // the log is made of AuditEvents: a live event about one refreshes it
  // acting for a child or a parent: their record's log, not the signed-in patient's
  const viewed = usePatientId();
  const own = useOwnPatientId();
  const other = viewed && viewed !== own ? viewed : undefined;
  const [showMine, setShowMine] = useState(false);
  // without the patient's own visits the server leaves them out: a page is full of carers' accesses
  const log = useDataPages({
    types: ['AuditEvent'],
    key: ['access-log', other ?? 'own', showMine ? 'all' : 'others'],
    load: async (cursor) => {
      const page = await accessLog(cursor, other, !showMine);
      return { entries: page.entries, next: page.nextCursor };
    },
  });
  const next = log.hasNextPage;
  const fetching = log.isFetchingNextPage;
  const failure = log.isFetchNextPageError ? log.error : undefined;
  const loadMore = async () => {
    if (next && !fetching) await log.fetchNextPage();
  };

  const firstError = log.isError && !log.isFetchNextPageError ? log.error : undefined;
  const missing = firstError instanceof ApiError && firstError.status === 404;
  const entries = (log.data?.pages ?? []).flatMap((page) => page.entries);
  const nameOf = usePractitionerNames(entries);
  const all = entries.map((entry, i) => ({
    key: entry.id ?? `${entry.when}-${i}`,
    when: entry.when,
    line: accessLine(entry),
  }));
  // one chart opening writes several events: one line per visit
  const shown = groupVisits(showMine ? all : all.filter((e) => !e.line.self));
  const typeName = (type: string) => t(`accessLog.types.${type}`, { defaultValue: type });
  return (
    <Page title={t('accessLog.title')} lede={t('accessLog.lede')}>
      {log.isPending && <Loading />}
      {missing && <Empty>{t('accessLog.unavailable')}</Empty>}
      {firstError !== undefined && !missing && (
        <ErrorMessage error={firstError} retry={() => void log.refetch()} />
      )}
      {log.data && (
        <Choices
          id="show-mine"
          legend={<span className="visually-hidden">{t('accessLog.title')}</span>}
          type="checkbox"
          options={[{ value: 'mine', label: t('accessLog.showMine') }]}
          value={showMine ? ['mine'] : []}
          onChange={(v) => setShowMine(v.includes('mine'))}
        />
      )}
      {log.data && shown.length === 0 && !next && (
        <Empty>{showMine ? t('accessLog.none') : t('accessLog.noneOthers')}</Empty>
      )}
      {shown.length > 0 && (
        <ul className="list-plain" data-testid="access-log">
          {shown.map(({ key, when, line }) => (
            <li key={key}>
              <div className="row-between">
                <span>
                  <strong>
                    {line.self ? (
                      t('accessLog.you')
                    ) : line.app ? (
                      t('accessLog.app')
                    ) : (
                      <bdi data-testid="access-who">{nameOf(line.name, line.reference)}</bdi>
                    )}
                  </strong>
                  {line.app && (
                    <span className="secondary">
                      {' '}
                      (<bdi>{line.app}</bdi>)
                    </span>
                  )}
                  {!line.self && !line.app && line.roles.length > 0 && (
                    <span className="secondary">
                      {' '}
                      (
                      <span data-testid="access-roles">
                        {listText(
                          format.language,
                          line.roles.map((r) => roleLabel(format.language, r)),
                        )}
                      </span>
                      )
                    </span>
                  )}
                </span>
                <span className="secondary">{format.date(when, { time: true })}</span>
              </div>
              <div className="cluster">
                {line.breakGlass && <Tag kind="warning">{t('accessLog.breakGlass')}</Tag>}
                {line.refused && <Tag kind="grey">{t('accessLog.failed')}</Tag>}
                <span>
                  {line.types.length > 0
                    ? t('labelled', {
                        ns: 'common',
                        label: t(`accessLog.kinds.${line.kind}`),
                        value: listText(format.language, line.types.map(typeName)),
                      })
                    : t(`accessLog.kinds.${line.kind}`)}
                </span>
              </div>
              {line.reason && <p className="spaced">{t('accessLog.reason', { reason: line.reason })}</p>}
            </li>
          ))}
        </ul>
      )}
      {failure !== undefined && <ErrorMessage error={failure} />}
      {next && (
        <Button type="button" variant="secondary" disabled={fetching} onClick={() => void loadMore()}>
          {t('actions.loadMore', { ns: 'common' })}
        </Button>
      )}
    </Page>
  );
}
