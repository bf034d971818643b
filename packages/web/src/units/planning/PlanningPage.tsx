/**
 * Coverage and planner (administrators, programme managers): the map of Morocco as vector shapes
 * (region and province outlines from the server, communes as circles sized by population, red when
 * farther than the underserved distance, facilities, planned stops), the population far from care
 * by region, the planner's parameters and the province view, and facility additions.
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { request } from '../../api/http.ts';
import { useSession } from '../../auth/session.tsx';
import {
  Button,
  Card,
  DataTable,
  ErrorMessage,
  Loading,
  Notice,
  Page,
  SelectField,
  TextField,
} from '../../design/index.ts';
import { useFormat } from '../../i18n/useFormat.ts';
import { NS } from '../i18n/index.ts';

interface Projection {
  west: number;
  north: number;
  kx: number;
  ky: number;
  width: number;
  height: number;
}
interface MapData {
  projection: Projection;
  regions: { code: string; name: string; path: string }[];
  provinces: { id: string; path: string }[];
}
type CommuneRow = [string, string, string, 0 | 1, number, number | null, number | null];
interface Reference {
  regions: { code: string; nameFr: string; nameAr: string }[];
  communes: CommuneRow[];
  facilities: [string, string, string, number, number][];
}
interface Area {
  code: string;
  nameFr: string;
  nameAr: string;
  population: number;
  meanKm: number;
  beyond: { km: number; population: number; share: number }[];
}
interface Coverage {
  national: Area;
  regions: Area[];
  communes: { code: string; km: number }[];
}
interface Plan {
  coveredPopulation: number;
  underservedPopulation: number;
  optimal: boolean;
  gap: number;
  stopDetails: { code: string; nameFr: string; lat: number; lon: number }[];
  provinces: { code: string; nameFr: string; nameAr: string; units: number; servedPopulation: number }[];
}

const xy = (p: Projection, lon: number, lat: number) => [(lon - p.west) * p.kx, (p.north - lat) * p.ky];

export default function PlanningPage() {
  const { t, i18n } = useTranslation(NS);
  const { user } = useSession();
  const format = useFormat();
  const [map, setMap] = useState<MapData>();
  const [ref, setRef] = useState<Reference>();
  const [coverage, setCoverage] = useState<Coverage>();
  const [error, setError] = useState<unknown>();
  const [plan, setPlan] = useState<Plan>();
  const [planning, setPlanning] = useState(false);
  const [underservedKm, setUnderservedKm] = useState(10);
  const admin = user?.roles.includes('administrator');

  const load = () => {
    Promise.all([
      request<MapData>('GET', '/api/units/map'),
      request<Reference>('GET', '/api/units/reference'),
      request<Coverage>('GET', '/api/units/coverage?thresholds=5,10,20'),
    ]).then(([m, r, c]) => {
      setMap(m.body);
      setRef(r.body);
      setCoverage(c.body);
    }, setError);
  };
  useEffect(load, []);

  const km = useMemo(() => new Map(coverage?.communes.map((c) => [c.code, c.km])), [coverage]);
  const ar = i18n.language === 'ar';

  const submitPlan = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const n = (k: string) => Number(f.get(k));
    setPlanning(true);
    setUnderservedKm(n('underservedKm'));
    try {
      const body = {
        units: n('units'),
        radiusKm: n('radiusKm'),
        underservedKm: n('underservedKm'),
        mode: String(f.get('mode')),
        ...(f.get('unitsPerBase') ? { unitsPerBase: n('unitsPerBase') } : {}),
      };
      let res = (
        await request<{ id: string; status: string; plan?: Plan }>('POST', '/api/units/plans', { body })
      ).body;
      while (res.status === 'running') {
        await new Promise((r) => setTimeout(r, 1000));
        res = (await request<typeof res>('GET', `/api/units/plans/${res.id}`)).body;
      }
      setPlan(res.plan);
    } catch (err) {
      setError(err);
    } finally {
      setPlanning(false);
    }
  };

  const addFacility = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    await request('POST', '/api/units/facility-edits', {
      body: {
        name: String(f.get('name')),
        kind: String(f.get('kind')),
        lat: Number(f.get('lat')),
        lon: Number(f.get('lon')),
      },
    }).then(load, setError);
  };

  if (error) return <ErrorMessage error={error} retry={load} />;
  if (!map || !ref || !coverage) return <Loading />;
  const p = map.projection;
  return (
    <Page title={t('planning.title')} lede={t('planning.lede')}>
      <Notice kind="info">{t('planning.sample')}</Notice>
      <figure className="units-map">
        <svg
          viewBox={`0 0 ${p.width} ${p.height}`}
          role="img"
          aria-label={t('planning.map')}
          data-testid="units-map"
          style={{ maxHeight: '70vh', width: '100%', direction: 'ltr' }}
        >
          {map.regions.map((r) => (
            <path key={r.code} d={r.path} fill="#eef3f7" stroke="#4c6272" strokeWidth={1.2} />
          ))}
          {map.provinces.map((r) => (
            <path key={r.id} d={r.path} fill="none" stroke="#aeb7bd" strokeWidth={0.4} />
          ))}
          {ref.communes.map((c) => {
            if (c[5] === null || c[6] === null) return null;
            const [x, y] = xy(p, c[6], c[5]);
            const far = (km.get(c[0]) ?? 0) > underservedKm;
            return (
              <circle
                key={c[0]}
                cx={x}
                cy={y}
                r={Math.max(1, Math.sqrt(c[4]) / 60)}
                fill={far ? '#d5281b' : '#005eb8'}
                fillOpacity={0.45}
              />
            );
          })}
          {ref.facilities.map((f) => {
            const [x, y] = xy(p, f[4], f[3]);
            return <rect key={f[0]} x={x - 1.2} y={y - 1.2} width={2.4} height={2.4} fill="#007f3b" />;
          })}
          {plan?.stopDetails.map((s) => {
            const [x, y] = xy(p, s.lon, s.lat);
            return (
              <path
                key={s.code}
                d={`M${x} ${y - 6}L${x + 5} ${y + 4}L${x - 5} ${y + 4}Z`}
                fill="#ffb81c"
                stroke="#212b32"
                strokeWidth={0.8}
              />
            );
          })}
        </svg>
        <figcaption>
          <span style={{ color: '#d5281b' }}>●</span> {t('planning.legendFar', { km: underservedKm })} ·{' '}
          <span style={{ color: '#005eb8' }}>●</span> {t('planning.legendNear')} ·{' '}
          <span style={{ color: '#007f3b' }}>■</span> {t('planning.legendFacility')} ·{' '}
          <span style={{ color: '#ffb81c' }}>▲</span> {t('planning.legendStop')}
          <br />
          <small>{t('planning.sources')}</small>
        </figcaption>
      </figure>

      <h2>{t('planning.coverage')}</h2>
      <DataTable
        caption={t('planning.coverage')}
        rows={[coverage.national, ...coverage.regions]}
        rowKey={(r) => r.code}
        columns={[
          { header: t('planning.area'), cell: (r: Area) => (ar ? r.nameAr : r.nameFr) },
          { header: t('planning.population'), cell: (r: Area) => format.number(r.population) },
          { header: t('planning.meanKm'), cell: (r: Area) => format.number(Math.round(r.meanKm * 10) / 10) },
          ...[0, 1, 2].map((i) => ({
            header: t('planning.beyond', { km: coverage.national.beyond[i]?.km }),
            cell: (r: Area) => `${format.number(Math.round((r.beyond[i]?.share ?? 0) * 1000) / 10)} %`,
          })),
        ]}
      />

      <Card title={t('planning.plan')}>
        <form onSubmit={(e) => void submitPlan(e)} aria-label={t('planning.plan')}>
          <TextField
            id="units"
            name="units"
            label={t('planning.units')}
            defaultValue="50"
            inputMode="numeric"
            short
          />
          <TextField
            id="radiusKm"
            name="radiusKm"
            label={t('planning.radius')}
            defaultValue="15"
            inputMode="numeric"
            short
          />
          <TextField
            id="underservedKm"
            name="underservedKm"
            label={t('planning.underserved')}
            defaultValue="10"
            inputMode="numeric"
            short
          />
          <TextField
            id="unitsPerBase"
            name="unitsPerBase"
            label={t('planning.perBase')}
            defaultValue="2"
            inputMode="numeric"
            short
          />
          <SelectField
            id="mode"
            name="mode"
            label={t('planning.mode')}
            options={[
              { value: 'fast', label: t('planning.fast') },
              { value: 'exact', label: t('planning.exact') },
            ]}
          />
          <Button disabled={planning}>{planning ? t('planning.planning') : t('planning.plan')}</Button>
        </form>
        {plan && (
          <>
            <p data-testid="plan-result">
              {t('planning.result', {
                covered: format.number(plan.coveredPopulation),
                underserved: format.number(plan.underservedPopulation),
              })}{' '}
              —{' '}
              {plan.optimal
                ? t('planning.optimal')
                : t('planning.gap', { gap: format.number(Math.round(plan.gap * 10000) / 100) })}
            </p>
            <DataTable
              caption={t('planning.provinces')}
              rows={plan.provinces}
              rowKey={(r) => r.code}
              columns={[
                {
                  header: t('planning.province'),
                  cell: (r: Plan['provinces'][number]) => (ar ? r.nameAr : r.nameFr),
                },
                {
                  header: t('planning.unitsCount'),
                  cell: (r: Plan['provinces'][number]) => format.number(r.units),
                },
                {
                  header: t('planning.served'),
                  cell: (r: Plan['provinces'][number]) => format.number(r.servedPopulation),
                },
              ]}
            />
          </>
        )}
      </Card>

      {admin && (
        <Card title={t('planning.addFacility')}>
          <form onSubmit={(e) => void addFacility(e)} aria-label={t('planning.addFacility')}>
            <TextField id="fname" name="name" label={t('planning.facilityName')} required />
            <SelectField
              id="kind"
              name="kind"
              label={t('planning.kind')}
              options={(['health_centre', 'hospital', 'clinic', 'doctor'] as const).map((k) => ({
                value: k,
                label: t(`planning.kinds.${k}`),
              }))}
            />
            <TextField id="lat" name="lat" label={t('planning.lat')} inputMode="decimal" short required />
            <TextField id="lon" name="lon" label={t('planning.lon')} inputMode="decimal" short required />
            <Button>{t('planning.save')}</Button>
          </form>
        </Card>
      )}
    </Page>
  );
}
