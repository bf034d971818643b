/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), written from the
 * format's specification rather than from prom-client, so /metrics is checked against the format:
 * metric and label names, label-value escapes, float values (NaN, ±Inf), optional timestamps,
 * one HELP and TYPE per family before its samples, families not interleaved, and for histograms
 * the `_bucket`/`_sum`/`_count` series with cumulative buckets ending in `le="+Inf"` = count.
 * Anything else throws with the line number.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The series name as written (with `_bucket`, `_sum`, `_count` for histograms). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const closed = new Set<string>(); // families whose samples ended: they may not come back
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the exposition must end with a line feed');
  const family = (name: string, line: number): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, f);
    } else if (closed.has(name) || (current && current !== f && f.samples.length > 0)) {
      throw new Error(`line ${line}: family ${name} appears twice`);
    }
    if (current && current !== f) closed.add(current.name);
    current = f;
    return f;
  };
  lines.slice(0, -1).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!meta) return; // an ordinary comment
      const [, kind, name, rest] = meta;
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      const f = family(name, line);
      if (f.samples.length > 0) throw new Error(`line ${line}: ${kind} after samples of ${name}`);
      if (kind === 'HELP') f.help = unescapeHelp(rest, line);
      else {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        f.type = rest as MetricType;
      }
      return;
    }
    const sample = parseSample(raw, line);
    const f = family(familyOf(sample.name, families), line);
    if (sample.name !== f.name && !(f.type === 'histogram' || f.type === 'summary')) {
      throw new Error(`line ${line}: ${sample.name} does not belong to ${f.type} ${f.name}`);
    }
    f.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

/** The family a series belongs to: itself, or the histogram/summary it is a suffix of. */
function familyOf(series: string, families: Map<string, MetricFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = series.slice(0, -suffix.length);
    if (series.endsWith(suffix) && ['histogram', 'summary'].includes(families.get(base)?.type ?? ''))
      return base;
  }
  return series;
}

function parseSample(raw: string, line: number): Sample {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(raw)?.[0];
  if (!name) throw new Error(`line ${line}: no metric name in ${raw}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (raw[at] === '{') {
    at += 1;
    while (raw[at] !== '}') {
      const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(raw.slice(at))?.[0];
      if (!labelName || !LABEL_NAME.test(labelName))
        throw new Error(`line ${line}: bad label at ${raw.slice(at)}`);
      at += labelName.length;
      if (raw.slice(at, at + 2) !== '="') throw new Error(`line ${line}: expected =" after ${labelName}`);
      at += 2;
      let value = '';
      for (;;) {
        const c = raw[at];
        if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
        at += 1;
        if (c === '"') break;
        if (c === '\\') {
          const next = raw[at];
          at += 1;
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`line ${line}: bad escape \\${next}`);
        } else value += c;
      }
      if (labelName in labels) throw new Error(`line ${line}: label ${labelName} twice`);
      labels[labelName] = value;
      if (raw[at] === ',') at += 1;
      else if (raw[at] !== '}') throw new Error(`line ${line}: expected , or } at ${raw.slice(at)}`);
    }
    at += 1;
  }
  const rest = raw.slice(at).trim().split(/\s+/);
  if (raw[at] !== ' ' || rest.length < 1 || rest.length > 2) {
    throw new Error(`line ${line}: expected "value [timestamp]" in ${raw}`);
  }
  const value = parseValue(rest[0], line);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1]))
    throw new Error(`line ${line}: bad timestamp ${rest[1]}`);
  return { name, labels, value };
}

/** Values are read as Go's ParseFloat reads them (the format says so): NaN and Inf in any case. */
function parseValue(text: string, line: number): number {
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text))
    throw new Error(`line ${line}: bad value ${text}`);
  return Number(text);
}

function unescapeHelp(text: string, line: number): string {
  return text.replace(/\\(.)/g, (_, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    throw new Error(`line ${line}: bad escape in HELP`);
  });
}

/** Per label set: buckets cumulative, the last one le="+Inf", equal to _count; a _sum present. */
function checkHistogram(f: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name === `${f.name}_bucket`) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([parseValue(le, 0), s.value]);
    } else if (s.name === `${f.name}_sum`) entry.sum = s.value;
    else if (s.name === `${f.name}_count`) entry.count = s.value;
    else throw new Error(`${f.name}: unexpected series ${s.name}`);
  }
  for (const [key, entry] of series) {
    const last = entry.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY) throw new Error(`${f.name} ${key}: no +Inf bucket`);
    if (entry.sum === undefined || entry.count === undefined)
      throw new Error(`${f.name} ${key}: no _sum or _count`);
    if (last[1] !== entry.count) throw new Error(`${f.name} ${key}: +Inf bucket is not _count`);
    entry.buckets.reduce(
      (previous, [bound, count]) => {
        if (bound <= previous[0] || count < previous[1])
          throw new Error(`${f.name} ${key}: buckets not cumulative`);
        return [bound, count];
      },
      [Number.NEGATIVE_INFINITY, 0],
    );
  }
}

/** The samples of a family whose labels include `labels`. */
export function samplesOf(
  families: Map<string, MetricFamily>,
  series: string,
  labels: Record<string, string> = {},
): Sample[] {
  const family = families.get(familyOf(series, families));
  return (family?.samples ?? []).filter(
    (s) => s.name === series && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}
