/**
 * A line chart for numeric series over time, drawn as SVG (no chart library: a few KB, crisp on
 * any screen, styled by CSS). Mirrored in Arabic: time runs right to left and the value axis sits
 * on the right. The figure says in words what it shows, and the values are one tap away as a table.
 */
import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { direction } from '../i18n/languages.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { linear, niceTicks, timeTicks, valueDomain } from './chart-scale.ts';
import { useWidth } from './useWidth.ts';

export interface ChartSeries {
  label: string;
  unit: string;
  points: { t: number; value: number }[];
}

const PAD = { top: 12, bottom: 28, axis: 44, end: 12 };
const COLORS = ['var(--chart-1)', 'var(--chart-2)'];
const DASHES = [undefined, '6 4'];

export function LineChart({
  title,
  series,
  testId,
}: {
  title: string;
  series: ChartSeries[];
  testId?: string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const rtl = direction(format.language) === 'rtl';
  const [frame, measured] = useWidth<HTMLDivElement>(320);
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return null;
  const WIDTH = Math.max(240, measured);
  const HEIGHT = Math.round(Math.min(240, Math.max(160, WIDTH * 0.42)));

  const times = all.map((p) => p.t);
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const y = niceTicks(
    ...valueDomain(Math.min(...all.map((p) => p.value)), Math.max(...all.map((p) => p.value))),
    4,
  );
  const left = rtl ? PAD.end : PAD.axis;
  const right = WIDTH - (rtl ? PAD.axis : PAD.end);
  const span = t1 - t0 || 86_400_000;
  const xOf = rtl
    ? linear(t0 - span * 0.02, t1 + span * 0.02, right, left)
    : linear(t0 - span * 0.02, t1 + span * 0.02, left, right);
  const yOf = linear(y.min, y.max, HEIGHT - PAD.bottom, PAD.top);
  const dateOf = (ms: number) => format.date(new Date(ms).toISOString().slice(0, 10));
  const monthOf = (ms: number) => format.date(new Date(ms).toISOString().slice(0, 7));
  const valueText = (s: ChartSeries, v: number) => format.quantity({ value: v, unit: s.unit });
  const latest = series.map((s) => s.points.at(-1)).filter((p) => p !== undefined);
  const latestText = series
    .map((s) => (s.points.length ? format.number(s.points.at(-1)!.value) : ''))
    .filter(Boolean)
    .join('/');
  const unit = format.quantity({ value: 0, unit: series[0].unit }).replace(/^0\s*/, '');
  const summary = t('chart.summary', {
    name: title,
    count: series[0].points.length,
    from: dateOf(t0),
    to: dateOf(t1),
    last: `${latestText} ${unit}`.trim(),
  });

  return (
    <figure className="chart" data-testid={testId} aria-labelledby={`${id}-title`}>
      <figcaption>
        <span className="chart__title" id={`${id}-title`}>
          {title}
        </span>
        <span>
          <span className="secondary">{t('chart.latest')} </span>
          <span className="chart__latest">
            <bdi>{latestText}</bdi> <bdi>{unit}</bdi>
          </span>{' '}
          {latest[0] && <span className="secondary">({dateOf(latest[0].t)})</span>}
        </span>
      </figcaption>
      <div ref={frame}>
        <svg width={WIDTH} height={HEIGHT} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary}>
          {y.ticks.map((v) => (
            <g key={`y${v}`}>
              <line x1={left} x2={right} y1={yOf(v)} y2={yOf(v)} stroke="var(--chart-grid)" />
              <text
                x={rtl ? right + 6 : left - 6}
                y={yOf(v)}
                dy="0.32em"
                textAnchor={rtl ? 'start' : 'end'}
                direction="ltr"
              >
                {format.number(v)}
              </text>
            </g>
          ))}
          {timeTicks(t0, t1, WIDTH < 420 ? 3 : 5).map((ms) => (
            <text key={`x${ms}`} x={xOf(ms)} y={HEIGHT - 8} textAnchor="middle">
              {monthOf(ms)}
            </text>
          ))}
          {series.map((s, i) => {
            const points = s.points.map((p) => `${xOf(p.t).toFixed(1)},${yOf(p.value).toFixed(1)}`);
            return (
              <g key={s.label} stroke={COLORS[i % 2]} fill={COLORS[i % 2]}>
                <polyline
                  points={points.join(' ')}
                  fill="none"
                  strokeWidth="2.5"
                  strokeDasharray={DASHES[i % 2]}
                />
                {s.points.map((p) => (
                  <circle key={p.t} cx={xOf(p.t)} cy={yOf(p.value)} r="3.5" />
                ))}
              </g>
            );
          })}
        </svg>
      </div>
      {series.length > 1 && (
        <ul className="chart__legend" aria-hidden="true">
          {series.map((s, i) => (
            <li key={s.label} style={{ ['--swatch' as string]: COLORS[i % 2] }}>
              {s.label}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>{t('actions.showTable')}</summary>
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('chart.date')}</th>
              {series.map((s) => (
                <th scope="col" key={s.label} className="numeric">
                  {series.length > 1 ? s.label : t('chart.value')}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...new Set(series.flatMap((s) => s.points.map((p) => p.t)))]
              .sort((a, b) => b - a)
              .map((ms) => (
                <tr key={ms}>
                  <td>{dateOf(ms)}</td>
                  {series.map((s) => {
                    const point = s.points.find((p) => p.t === ms);
                    return (
                      <td key={s.label} className="numeric">
                        {point ? <bdi>{valueText(s, point.value)}</bdi> : ''}
                      </td>
                    );
                  })}
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
