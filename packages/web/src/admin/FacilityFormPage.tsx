/** Create or edit a facility: the Organization and its Location, written in one transaction. */
import type { Location, Organization } from '@medplum/fhirtypes';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import type { PageProps } from '../app/routes.ts';
import { useLoad } from '../app/useLoad.ts';
import {
  Button,
  ErrorMessage,
  ErrorSummary,
  errorFor,
  Loading,
  Page,
  SelectField,
  TextField,
} from '../design/index.ts';
import { navigate } from '../router/router.tsx';
import {
  EMPTY_FACILITY,
  FACILITY_KINDS,
  type FacilityKind,
  type FacilityValues,
  facilityProblems,
  facilityTransaction,
  facilityValues,
} from './facility.ts';
import { NS } from './i18n/index.ts';

export default function FacilityFormPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const isNew = params.id === 'new';
  const existing = useLoad(async (): Promise<
    { organization: Organization; location?: Location } | undefined
  > => {
    if (isNew) return undefined;
    const [organization, locations] = await Promise.all([
      fhir.read('Organization', params.id),
      fhir.searchResources('Location', { organization: `Organization/${params.id}`, _count: 1 }),
    ]);
    return { organization, location: locations[0] };
  }, [params.id]);
  const [values, setValues] = useState<FacilityValues>(EMPTY_FACILITY);
  const [submitted, setSubmitted] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (existing.data) setValues(facilityValues(existing.data.organization, existing.data.location));
  }, [existing.data]);

  const problems = submitted ? facilityProblems(values) : [];
  const errors = problems.map((p) => ({ field: p.field, message: t(`errors.${p.key}`) }));
  const set = (field: keyof FacilityValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (facilityProblems(values).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      await fhir.transaction(facilityTransaction(values, existing.data));
      navigate('/admin/facilities?saved=1');
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  const title = isNew ? t('facilities.newTitle') : t('facilities.editTitle');
  const back = { to: '/admin/facilities', label: t('facilities.title') };
  if (!isNew && !existing.data) {
    return (
      <Page title={title} back={back}>
        {existing.loading ? <Loading /> : <ErrorMessage error={existing.error} retry={existing.reload} />}
      </Page>
    );
  }
  return (
    <Page title={title} back={back}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      <form onSubmit={submit} noValidate>
        <TextField
          id="name"
          label={t('facilities.name')}
          error={errorFor(errors, 'name')}
          value={values.name}
          onChange={set('name')}
        />
        <SelectField
          id="kind"
          label={t('facilities.kind')}
          value={values.kind}
          onChange={(e) => setValues((v) => ({ ...v, kind: e.target.value as FacilityKind }))}
          options={FACILITY_KINDS.map((k) => ({ value: k, label: t(`facilities.kinds.${k}`) }))}
        />
        <TextField
          id="inpe"
          label={t('facilities.inpe')}
          error={errorFor(errors, 'inpe')}
          value={values.inpe}
          onChange={set('inpe')}
          inputMode="numeric"
          dir="ltr"
          short
        />
        <TextField id="city" label={t('facilities.city')} value={values.city} onChange={set('city')} />
        <TextField
          id="region"
          label={t('facilities.region')}
          value={values.region}
          onChange={set('region')}
        />
        <TextField
          id="phone"
          type="tel"
          label={t('facilities.phone')}
          value={values.phone}
          onChange={set('phone')}
          dir="ltr"
        />
        <fieldset className="fieldset">
          <legend className="fieldset__legend">{t('facilities.position')}</legend>
          <span className="field__hint">{t('facilities.positionHint')}</span>
          <div className="cluster">
            <TextField
              id="latitude"
              label={t('facilities.latitude')}
              error={errorFor(errors, 'latitude')}
              value={values.latitude}
              onChange={set('latitude')}
              inputMode="decimal"
              dir="ltr"
              short
            />
            <TextField
              id="longitude"
              label={t('facilities.longitude')}
              error={errorFor(errors, 'longitude')}
              value={values.longitude}
              onChange={set('longitude')}
              inputMode="decimal"
              dir="ltr"
              short
            />
          </div>
        </fieldset>
        <Button disabled={busy}>{t('actions.save', { ns: 'common' })}</Button>
      </form>
    </Page>
  );
}
