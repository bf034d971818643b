/** Create or edit a facility: the Organization and its Location, written in one transaction. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { combine, useResource, useSearchResources, useTransaction } from '../data/index.ts';
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
import { navigate } from '../router/router.tsx';
import {
  EMPTY_FACILITY,
  FACILITY_ENTRIES,
  FACILITY_KINDS,
  FACILITY_PATHS,
  type FacilityKind,
  facilityProblems,
  facilityTransaction,
  facilityValues,
} from './facility.ts';
import { NS } from './i18n/index.ts';

export default function FacilityFormPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const isNew = params.id === 'new';
  const loaded = combine(
    useResource('Organization', isNew ? undefined : params.id),
    useSearchResources(
      'Location',
      { organization: `Organization/${params.id}`, _count: 1 },
      { enabled: !isNew },
    ),
  );
  const existing = loaded.data && { organization: loaded.data[0], location: loaded.data[1][0] };
  const save = useTransaction();
  const form = useForm({
    initial: EMPTY_FACILITY,
    validate: facilityProblems,
    message: (problem) => t(`errors.${problem.key}`),
    serverPaths: FACILITY_PATHS,
    entryTypes: FACILITY_ENTRIES,
    refusedKey: { inpe: 'inpeOptional', latitude: 'latitude', longitude: 'longitude' },
    submit: async (values) => {
      await save.mutateAsync(facilityTransaction(values, existing));
      navigate('/admin/facilities?saved=1');
    },
  });
  const { reset } = form;
  const organization = loaded.data?.[0];
  const location = loaded.data?.[1][0];
  // the form takes the record once it is fresh (not a cached copy being asked again), and only
  // once: a later refresh (a live event) must not wipe what is being typed
  const [taken, setTaken] = useState<string>();
  const fresh = organization && !loaded.isFetching ? organization : undefined;
  useEffect(() => {
    if (!fresh?.id || taken === fresh.id) return;
    setTaken(fresh.id);
    reset(facilityValues(fresh, location));
  }, [fresh, location, reset, taken]);

  const title = isNew ? t('facilities.newTitle') : t('facilities.editTitle');
  const back = { to: '/admin/facilities', label: t('facilities.title') };
  if (!isNew && (!existing || taken !== organization?.id)) {
    return (
      <Page title={title} back={back}>
        {loaded.error === undefined ? (
          <Loading />
        ) : (
          <ErrorMessage error={loaded.error} retry={loaded.retry} />
        )}
      </Page>
    );
  }
  return (
    <Page title={title} back={back}>
      <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
      {form.failure !== undefined && <ErrorMessage error={form.failure} />}
      <form onSubmit={form.onSubmit} noValidate>
        <TextField label={t('facilities.name')} {...form.text('name')} />
        <SelectField
          id="kind"
          label={t('facilities.kind')}
          value={form.values.kind}
          onChange={(e) => form.set('kind', e.target.value as FacilityKind)}
          error={form.errorOf('kind')}
          options={FACILITY_KINDS.map((k) => ({ value: k, label: t(`facilities.kinds.${k}`) }))}
        />
        <TextField label={t('facilities.inpe')} {...form.text('inpe')} inputMode="numeric" dir="ltr" short />
        <TextField label={t('facilities.city')} {...form.text('city')} />
        <TextField label={t('facilities.region')} {...form.text('region')} />
        <TextField type="tel" label={t('facilities.phone')} {...form.text('phone')} dir="ltr" />
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t('facilities.position')}</legend>
          <span className="field__hint">{t('facilities.positionHint')}</span>
          <div className="cluster">
            <TextField
              label={t('facilities.latitude')}
              {...form.text('latitude')}
              inputMode="decimal"
              dir="ltr"
              short
            />
            <TextField
              label={t('facilities.longitude')}
              {...form.text('longitude')}
              inputMode="decimal"
              dir="ltr"
              short
            />
          </div>
        </fieldset>
        <Button disabled={form.submitting}>{t('actions.save', { ns: 'common' })}</Button>
      </form>
    </Page>
  );
}
