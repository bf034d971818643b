/**
 * The patient's dialysis away: their stays, and planning a trip — where and when, then the centres
 * able to take the whole stay at their rhythm (nearest first), and a request for one of them.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { localDate } from '../booking/time.ts';
import {
  Button,
  Card,
  Empty,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Page,
  SelectField,
  Tag,
  TextField,
} from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { Link, navigate } from '../router/router.tsx';
import { createStay, type Place, places, searchTrip, type TripAnswer, type TripResult } from './api.ts';
import { NS } from './i18n/index.ts';
import './dialysis.css';
import { stateKind, type TripValues, tripProblems } from './rules.ts';
import { useStays } from './useStay.ts';

const LANGUAGES = ['ary', 'ar', 'fr', 'zgh', 'es', 'en', 'pt'];

export default function TripPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const list = useStays();
  const [answer, setAnswer] = useState<TripAnswer>();
  const [language, setLanguage] = useState('');
  const [suggestions, setSuggestions] = useState<Place[]>([]);
  const [requesting, setRequesting] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  const today = localDate(new Date());
  const form = useForm<TripValues>({
    initial: { destination: '', arrival: today, departure: '' },
    validate: (v) => tripProblems(v, today) as never,
    message: (p) => t(p.key),
    submit: async (v) => setAnswer(await searchTrip({ ...v, ...(language ? { language } : {}) })),
  });
  const suggest = (value: string) => {
    form.set('destination', value);
    if (value.trim().length >= 2) places(value).then(setSuggestions, () => setSuggestions([]));
  };
  const request = async (r: TripResult) => {
    setRequesting(r.service);
    setFailure(undefined);
    try {
      const created = await createStay({
        service: r.service,
        arrival: form.values.arrival,
        departure: form.values.departure,
        sessions: r.sessions.map(({ date, shift }) => ({ date, shift })),
      });
      navigate(`/portal/dialysis/stays/${created.id}`);
    } catch (error) {
      setFailure(error);
      setRequesting(undefined);
    }
  };
  const placeName = (p: Place) => (format.language === 'ar' ? p.label.ar : p.label.fr);
  const mine = list.data?.mine ?? [];
  return (
    <Page title={t('home.title')} lede={t('home.lede')}>
      {mine.length > 0 && (
        <Card title={t('home.mine')} testId="dialysis-stays">
          <ul className="stack">
            {mine.map((s) => (
              <li key={s.id}>
                <Link to={`/portal/dialysis/stays/${s.id}`}>{s.centre.name}</Link> —{' '}
                {t('stay.dates', { arrival: format.date(s.arrival), departure: format.date(s.departure) })}{' '}
                <Tag kind={stateKind(s.state)}>{t(`state.${s.state}`)}</Tag>
              </li>
            ))}
          </ul>
        </Card>
      )}
      {list.isPending && <Loading />}
      {list.isError && <ErrorMessage error={list.error} retry={() => void list.refetch()} />}
      <h2>{t('trip.title')}</h2>
      <form onSubmit={form.onSubmit} noValidate className="stack">
        <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
        <TextField
          {...form.text('destination')}
          onChange={(e) => suggest(e.target.value)}
          label={t('trip.destination')}
          hint={t('trip.destinationHint')}
          list="dialysis-places"
          autoComplete="off"
        />
        <datalist id="dialysis-places">
          {suggestions.map((p) => (
            <option key={`${p.country}-${p.city}`} value={placeName(p)} />
          ))}
        </datalist>
        <div className="dialysis-dates">
          <TextField {...form.text('arrival')} type="date" label={t('trip.arrival')} short />
          <TextField {...form.text('departure')} type="date" label={t('trip.departure')} short />
        </div>
        <SelectField
          id="language"
          label={t('trip.language')}
          value={language}
          onChange={(e) => setLanguage(e.target.value)}
          options={[
            { value: '', label: t('trip.languageAny') },
            ...LANGUAGES.map((l) => ({ value: l, label: t(`lang.${l}`, { defaultValue: l }) })),
          ]}
        />
        <Button disabled={form.submitting}>{t('trip.search')}</Button>
        {form.failure !== undefined && <ErrorMessage error={form.failure} />}
      </form>
      {failure !== undefined && <ErrorMessage error={failure} />}
      {answer && (
        <section className="stack" data-testid="dialysis-results">
          <h2>{t('trip.results')}</h2>
          <p className="secondary">
            {t('trip.rhythm', { days: answer.homeDays.map((d) => t(`day.${d}`)).join(', ') })}
            {answer.shift ? ` · ${t(`shift.${answer.shift}`)}` : ''}
          </p>
          {answer.chairKind === 'isolation' && <p className="notice">{t('trip.isolation')}</p>}
          {answer.results.length === 0 && <Empty>{t('trip.none')}</Empty>}
          {answer.results.map((r) => (
            <Card key={r.service} title={r.name} level={3}>
              <p>
                {[
                  r.city,
                  r.abroad ? t('trip.abroad') : undefined,
                  r.distanceKm !== undefined ? t('trip.distance', { km: r.distanceKm }) : undefined,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </p>
              <p className="secondary">
                {t('trip.languages', {
                  list: r.languages.map((l) => t(`lang.${l}`, { defaultValue: l })).join(', '),
                })}
                {r.price &&
                  ` · ${t('trip.price', { price: `${format.number(r.price.value)} ${r.price.currency}` })}`}
              </p>
              <p className="secondary">
                {t('trip.rules', { days: r.rules.serologyWindowDays, notice: r.rules.minNoticeDays })}
              </p>
              {r.noticeTooShort ? (
                <p className="notice notice--warning">
                  {t('trip.noticeTooShort', { notice: r.rules.minNoticeDays })}
                </p>
              ) : (
                <>
                  <p>{t('trip.sessions', { count: r.sessions.length })}</p>
                  <ul className="dialysis-plan">
                    {r.sessions.map((s) => (
                      <li key={s.date}>
                        {format.date(s.start, { time: true })} ({t(`shift.${s.shift}`)})
                      </li>
                    ))}
                  </ul>
                  <Button type="button" disabled={requesting !== undefined} onClick={() => void request(r)}>
                    {t('trip.request')}
                  </Button>
                </>
              )}
            </Card>
          ))}
        </section>
      )}
    </Page>
  );
}
