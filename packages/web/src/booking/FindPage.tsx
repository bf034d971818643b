/**
 * Find a doctor (public): what and where — the specialty and a place typed any way ("Casa",
 * "الدار البيضاء"), with the language spoken and video or in person a click further — then the
 * practitioners, the first free soonest, each with their next free times up front.
 */
import { useTranslation } from 'react-i18next';
import {
  Button,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Page,
  SelectField,
  TextField,
} from '../design/index.ts';
import { useForm } from '../forms/index.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate, useLocation } from '../router/router.tsx';
import type { Terms } from './api.ts';
import { type FindQuery, findHref, findQueryOf, hasCriteria, MAX_RESULTS, PAGE, termLabel } from './find.ts';
import { NS } from './i18n/index.ts';
import { useDirectory, useTerms } from './queries.ts';
import { ResultCard } from './ResultCard.tsx';
import './booking.css';

export default function FindPage() {
  const { t } = useTranslation(NS);
  const { search, href } = useLocation();
  const q = findQueryOf(search);
  const terms = useTerms();
  const searching = hasCriteria(q);
  const results = useDirectory(q, searching);
  return (
    <Page title={t('find.title')} lede={t('find.lede')}>
      {/* a new address (back, forward, a new search) starts the form again from it */}
      <FindForm key={href} query={q} terms={terms.data} />
      {searching && (
        <section aria-labelledby="results-title">
          <h2 id="results-title">{t('find.results')}</h2>
          {results.isPending && <Loading />}
          {results.isError && <ErrorMessage error={results.error} retry={() => void results.refetch()} />}
          {results.data && (
            <>
              <p className="secondary" role="status">
                {results.data.length > 0
                  ? t('find.resultsCount', { count: results.data.length })
                  : t('find.none')}
              </p>
              <ol className="results">
                {results.data.map((card) => (
                  <li key={card.scheduleId}>
                    <ResultCard card={card} terms={terms.data} from={href} />
                  </li>
                ))}
              </ol>
              {results.data.length >= q.count && q.count < MAX_RESULTS && (
                <p className="spaced">
                  <Button
                    type="button"
                    variant="secondary"
                    onClick={() => navigate(findHref({ ...q, count: q.count + PAGE }), { replace: true })}
                  >
                    {t('find.showMore')}
                  </Button>
                </p>
              )}
            </>
          )}
        </section>
      )}
    </Page>
  );
}

type FindValues = Omit<FindQuery, 'count'>;

function FindForm({ query, terms }: { query: FindQuery; terms: Terms | undefined }) {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const form = useForm<FindValues>({
    initial: { specialty: query.specialty, place: query.place, language: query.language, mode: query.mode },
    validate: (v) => (v.specialty || v.place.trim() ? [] : [{ field: 'place', key: 'needCriteria' }]),
    message: (problem) => t(`find.${problem.key}`),
    submit: async (values) => navigate(findHref(values)),
  });
  const specialties = [...(terms?.specialties ?? [])].sort((a, b) =>
    termLabel(a, language).localeCompare(termLabel(b, language), language),
  );
  return (
    <search>
      <form className="find-form" onSubmit={form.onSubmit} noValidate>
        <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
        <SelectField
          label={t('find.specialty')}
          {...form.text('specialty')}
          options={[
            { value: '', label: t('find.anySpecialty') },
            ...specialties.map((s) => ({ value: s.key, label: termLabel(s, language) })),
          ]}
        />
        <TextField
          label={t('find.place')}
          hint={t('find.placeHint')}
          {...form.text('place')}
          autoComplete="address-level2"
          enterKeyHint="search"
        />
        <details open={Boolean(query.language || query.mode)}>
          <summary>{t('find.more')}</summary>
          <SelectField
            label={t('find.language')}
            {...form.text('language')}
            options={[
              { value: '', label: t('find.anyLanguage') },
              ...(terms?.languages ?? []).map((l) => ({ value: l.code, label: termLabel(l, language) })),
            ]}
          />
          <SelectField
            label={t('find.mode')}
            id="mode"
            value={form.values.mode}
            onChange={(e) => form.set('mode', e.target.value as FindValues['mode'])}
            options={[
              { value: '', label: t('find.anyMode') },
              { value: 'in-person', label: t('modes.in-person') },
              { value: 'video', label: t('modes.video') },
            ]}
          />
        </details>
        <Button>{t('find.submit')}</Button>
      </form>
    </search>
  );
}
