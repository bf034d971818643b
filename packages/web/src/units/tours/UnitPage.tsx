/**
 * One mobile unit (administrators, programme managers): its base, its published tour as a stop per
 * working day (the commune, the drive from the previous stop, how often the stop is visited), its
 * team against the programme's composition and its equipment with the last daily check.
 */
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../../app/screen.ts';
import { useDataQuery } from '../../data/index.ts';
import { Card, DataTable, Empty, ErrorMessage, Loading, Page, SummaryList, Tag } from '../../design/index.ts';
import { useFormat } from '../../i18n/useFormat.ts';
import { type TourDay, UNIT_TYPES, type UnitDetail, type UnitDevice, unitDetail } from '../api.ts';
import { NS } from '../i18n/index.ts';
import { unitName } from '../unit-name.ts';
import {
  type CheckState,
  checklistOrder,
  checkState,
  communeName,
  listOf,
  type TeamPlace,
  teamPlaces,
  weekdayName,
} from './view.ts';

const STATE_TAG: Record<CheckState, 'success' | 'warning' | 'grey'> = {
  ok: 'success',
  notWorking: 'warning',
  missing: 'warning',
  unchecked: 'grey',
};

export default function UnitPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const id = params.id ?? '';
  const unit = useDataQuery({
    types: UNIT_TYPES,
    key: ['unit', id],
    load: (signal) => unitDetail(id, signal),
  });
  const back = { to: '/units', label: t('tours.back') };
  if (unit.isPending)
    return (
      <Page title={t('tours.units')} back={back}>
        <Loading />
      </Page>
    );
  if (unit.isError || !unit.data)
    return (
      <Page title={t('tours.units')} back={back}>
        <ErrorMessage error={unit.error} retry={() => void unit.refetch()} />
      </Page>
    );
  const u = unit.data;
  return (
    <Page title={unitName(u, format.language)} back={back}>
      <SummaryList rows={[[t('tours.base'), communeName(u.base, format.language) || t('tours.noBase')]]} />
      <TourCard unit={u} />
      <TeamCard unit={u} />
      <EquipmentCard unit={u} />
    </Page>
  );
}

function TourCard({ unit }: { unit: UnitDetail }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const tour = unit.weeklyTour;
  const visits = new Map(tour.stops.map((s) => [s.commune, s.visits]));
  const minutes = (m: number) => t('tours.minutes', { minutes: format.number(m) });
  const travel = (d: TourDay, i: number) => {
    if (i === 0)
      return d.minutesFromBase === 0
        ? t('tours.atBase')
        : t('tours.fromBase', { minutes: format.number(d.minutesFromBase) });
    if (d.stop === tour.days[i - 1]?.stop) return t('tours.samePlace');
    return minutes(d.minutesFromPrevious);
  };
  const frequency = (d: TourDay) => {
    const times = format.number(visits.get(d.stop) ?? 0);
    return tour.weeks > 1
      ? t('tours.perCycle', { times, weeks: format.number(tour.weeks) })
      : t('tours.perWeek', { times });
  };
  const rows = tour.days.map((d, i) => ({ ...d, index: i }));
  type Row = (typeof rows)[number];
  return (
    <Card title={t('tours.tour')}>
      {tour.days.length === 0 ? (
        <Empty>{t('tours.noTour')}</Empty>
      ) : (
        <>
          {tour.weeks > 1 && (
            <p>
              {t('tours.tourCycle', {
                weeks: format.number(tour.weeks),
                start: format.date(tour.cycleStart),
              })}
            </p>
          )}
          <DataTable
            caption={t('tours.tour')}
            captionHidden
            testId="unit-tour"
            rows={rows}
            rowKey={(r: Row) => `${r.week}-${r.day}`}
            columns={[
              ...(tour.weeks > 1
                ? [{ header: t('tours.week'), cell: (r: Row) => format.number(r.week), numeric: true }]
                : []),
              { header: t('tours.day'), cell: (r: Row) => weekdayName(format.language, r.day) },
              { header: t('tours.stop'), cell: (r: Row) => communeName(r, format.language), wrap: true },
              { header: t('tours.travel'), cell: (r: Row) => travel(r, r.index), wrap: true },
              { header: t('tours.frequency'), cell: (r: Row) => frequency(r) },
            ]}
          />
          <p>
            <small>{t('tours.travelNote')}</small>
          </p>
        </>
      )}
    </Card>
  );
}

function TeamCard({ unit }: { unit: UnitDetail }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const places = teamPlaces(unit.roster, format.language);
  const gaps = listOf(
    format.language,
    unit.gaps.map((g) => `${t(`tours.roles.${g.role}`)} × ${format.number(g.missing)}`),
  );
  return (
    <Card title={t('tours.team')}>
      <p>{gaps ? t('tours.gaps', { list: gaps }) : t('tours.teamComplete')}</p>
      <DataTable
        caption={t('tours.team')}
        captionHidden
        testId="unit-team"
        rows={places}
        rowKey={(p: TeamPlace) => p.key}
        columns={[
          { header: t('tours.role'), cell: (p: TeamPlace) => t(`tours.roles.${p.role}`) },
          {
            header: t('tours.member'),
            cell: (p: TeamPlace) => p.name || <Tag kind="grey">{t('tours.vacant')}</Tag>,
            wrap: true,
          },
        ]}
      />
    </Card>
  );
}

function EquipmentCard({ unit }: { unit: UnitDetail }) {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const check = unit.lastCheck;
  return (
    <Card title={t('tours.equipment')}>
      <p>
        {check?.authored
          ? t('tours.checkedOn', { date: format.date(check.authored, { time: true }) })
          : t('tours.neverChecked')}
      </p>
      {unit.devices.length === 0 ? (
        <Empty>{t('tours.noDevices')}</Empty>
      ) : (
        <DataTable
          caption={t('tours.equipment')}
          captionHidden
          testId="unit-equipment"
          rows={checklistOrder(unit.devices)}
          rowKey={(d: UnitDevice) => d.id}
          columns={[
            {
              header: t('tours.device'),
              cell: (d: UnitDevice) => t(`tours.kinds.${d.kind}`, { defaultValue: d.kind ?? '' }),
              wrap: true,
            },
            { header: t('tours.serial'), cell: (d: UnitDevice) => <bdi>{d.serial}</bdi> },
            {
              header: t('tours.lastCheck'),
              cell: (d: UnitDevice) => {
                const state = checkState(d, check);
                return <Tag kind={STATE_TAG[state]}>{t(`tours.states.${state}`)}</Tag>;
              },
            },
          ]}
        />
      )}
    </Card>
  );
}
