/** Create or edit a health worker: the Practitioner and a PractitionerRole per facility, in one transaction. */

import type { Bundle } from '@medplum/fhirtypes';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { resourcesOf } from '../api/fhir.ts';
import type { PageProps } from '../app/routes.ts';
import { combine, useResource, useSearch, useTransaction } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  Loading,
  Page,
  SelectField,
  TextField,
} from '../design/index.ts';
import { type CarerChoice, cityOf } from '../fhir/directory-search.ts';
import { useForm } from '../forms/index.ts';
import { navigate } from '../router/router.tsx';
import { FacilitiesField } from './FacilitiesField.tsx';
import { NS } from './i18n/index.ts';
import {
  activeRoles,
  EMPTY_PRACTITIONER,
  PRACTITIONER_ENTRIES,
  PRACTITIONER_PATHS,
  practitionerProblems,
  practitionerTransaction,
  practitionerValues,
  ROLE_CODES,
  SPECIALTIES,
  type SpecialtyCode,
} from './practitioner.ts';

export default function PractitionerFormPage({ params }: PageProps) {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const isNew = params.id === 'new';
  const current = combine(
    useResource('Practitioner', isNew ? undefined : params.id),
    useSearch(
      'PractitionerRole',
      { practitioner: `Practitioner/${params.id}`, _include: 'PractitionerRole:organization', _count: 200 },
      { enabled: !isNew },
    ),
  );
  const practitioner = current.data?.[0];
  const rolesBundle = current.data?.[1];
  const roles = useMemo(
    () => (rolesBundle ? resourcesOf(rolesBundle, 'PractitionerRole') : []),
    [rolesBundle],
  );
  /** Name and city of each facility the practitioner works or worked in. */
  const known = useMemo(() => (rolesBundle ? facilityLines(rolesBundle) : []), [rolesBundle]);
  const [met, setMet] = useState<CarerChoice[]>([]);
  const existing = practitioner && { practitioner, roles };
  const save = useTransaction();
  const form = useForm({
    initial: EMPTY_PRACTITIONER,
    validate: practitionerProblems,
    message: (problem) => t(`errors.${problem.key}`),
    serverPaths: PRACTITIONER_PATHS,
    entryTypes: PRACTITIONER_ENTRIES,
    refusedKey: { inpe: 'inpe' },
    submit: async (values) => {
      const names = Object.fromEntries([...known, ...met].map((f) => [f.reference, f.name]));
      await save.mutateAsync(practitionerTransaction(values, existing, names));
      navigate('/admin/practitioners?saved=1');
    },
  });
  const { reset } = form;
  // the form takes the record once it is fresh (not a cached copy being asked again), and only
  // once: a later refresh (a live event) must not wipe what is being typed
  const [taken, setTaken] = useState<string>();
  const fresh = practitioner && !current.isFetching ? practitioner : undefined;
  useEffect(() => {
    if (!fresh?.id || taken === fresh.id) return;
    setTaken(fresh.id);
    reset(practitionerValues(fresh, roles));
  }, [fresh, roles, reset, taken]);

  const title = isNew ? t('practitioners.newTitle') : t('practitioners.editTitle');
  const back = { to: '/admin/practitioners', label: t('practitioners.title') };
  if (!isNew && (!existing || !rolesBundle || taken !== practitioner?.id)) {
    return (
      <Page title={title} back={back}>
        {current.error === undefined ? (
          <Loading />
        ) : (
          <ErrorMessage error={current.error} retry={() => current.retry()} />
        )}
      </Page>
    );
  }
  return (
    <Page title={title} back={back}>
      <ErrorSummary errors={form.errors} focusKey={form.focusKey} />
      {form.failure !== undefined && <ErrorMessage error={form.failure} />}
      <form onSubmit={form.onSubmit} noValidate>
        <TextField label={t('practitioners.given')} {...form.text('given')} autoComplete="off" />
        <TextField label={t('practitioners.family')} {...form.text('family')} autoComplete="off" />
        <TextField
          label={t('practitioners.arabicName')}
          hint={t('practitioners.arabicNameHint')}
          {...form.text('arabicName')}
          dir="rtl"
          lang="ar"
        />
        <TextField
          label={t('practitioners.inpe')}
          hint={t('practitioners.inpeHint')}
          {...form.text('inpe')}
          inputMode="numeric"
          dir="ltr"
          short
        />
        <Choices
          id="gender"
          legend={t('practitioners.gender')}
          type="radio"
          error={form.errorOf('gender')}
          options={[
            { value: 'female', label: common('gender.female') },
            { value: 'male', label: common('gender.male') },
          ]}
          value={form.values.gender ? [form.values.gender] : []}
          onChange={([g]) => form.set('gender', g === 'male' ? 'male' : 'female')}
        />
        <TextField type="tel" label={t('practitioners.phone')} {...form.text('phone')} dir="ltr" />
        <Choices
          id="roles"
          legend={t('practitioners.roles')}
          type="checkbox"
          error={form.errorOf('roles')}
          options={ROLE_CODES.map((r) => ({ value: r, label: t(`practitioners.roleNames.${r}`) }))}
          value={form.values.roles}
          onChange={(roles) => form.set('roles', roles)}
        />
        <SelectField
          id="specialty"
          label={t('practitioners.specialty')}
          error={form.errorOf('specialty')}
          value={form.values.specialty}
          onChange={(e) => form.set('specialty', e.target.value as SpecialtyCode | '')}
          options={[
            { value: '', label: t('practitioners.noSpecialty') },
            ...Object.keys(SPECIALTIES).map((code) => ({
              value: code,
              label: t(`practitioners.specialties.${code}`),
            })),
          ]}
        />
        <FacilitiesField
          value={form.values.organizations}
          onChange={(organizations) => form.set('organizations', organizations)}
          known={[...known, ...met]}
          onMeet={(found) => setMet((before) => [...before, ...found])}
          error={form.errorOf('organizations')}
        />
        <Button disabled={form.submitting}>{common('actions.save')}</Button>
      </form>
    </Page>
  );
}

function facilityLines(bundle: Bundle): CarerChoice[] {
  const lines = new Map<string, CarerChoice>();
  for (const o of resourcesOf(bundle, 'Organization')) {
    const reference = `Organization/${o.id}`;
    lines.set(reference, {
      reference,
      name: o.name ?? o.id ?? '',
      specialties: [],
      places: [cityOf(o)].filter((c): c is string => Boolean(c)),
    });
  }
  for (const role of activeRoles(resourcesOf(bundle, 'PractitionerRole'))) {
    const reference = role.organization?.reference;
    if (reference && !lines.has(reference))
      lines.set(reference, {
        reference,
        name: role.organization?.display ?? reference,
        specialties: [],
        places: [],
      });
  }
  return [...lines.values()];
}
