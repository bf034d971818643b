/** Create or edit a health worker: Practitioner and PractitionerRole, in one transaction. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { PageProps } from '../app/routes.ts';
import { combine, useResource, useSearchResources, useTransaction } from '../data/index.ts';
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
import { useForm } from '../forms/index.ts';
import { navigate } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import {
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
  const organizations = useSearchResources('Organization', { type: 'prov', _sort: 'name', _count: 500 });
  const current = combine(
    useResource('Practitioner', isNew ? undefined : params.id),
    useSearchResources(
      'PractitionerRole',
      { practitioner: `Practitioner/${params.id}`, _count: 1 },
      { enabled: !isNew },
    ),
  );
  const practitioner = current.data?.[0];
  const role = current.data?.[1][0];
  const existing = practitioner && { practitioner, role };
  const save = useTransaction();
  const form = useForm({
    initial: EMPTY_PRACTITIONER,
    validate: practitionerProblems,
    message: (problem) => t(`errors.${problem.key}`),
    serverPaths: PRACTITIONER_PATHS,
    entryTypes: PRACTITIONER_ENTRIES,
    refusedKey: { inpe: 'inpe' },
    submit: async (values) => {
      const organization = organizations.data?.find((o) => `Organization/${o.id}` === values.organization);
      await save.mutateAsync(practitionerTransaction(values, existing, organization?.name));
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
    reset(practitionerValues(fresh, role));
  }, [fresh, role, reset, taken]);

  const title = isNew ? t('practitioners.newTitle') : t('practitioners.editTitle');
  const back = { to: '/admin/practitioners', label: t('practitioners.title') };
  const failed = organizations.isError ? organizations.error : current.error;
  if (!organizations.data || (!isNew && (!existing || taken !== practitioner?.id))) {
    const retry = () => {
      if (organizations.isError) void organizations.refetch();
      current.retry();
    };
    return (
      <Page title={title} back={back}>
        {failed === undefined ? <Loading /> : <ErrorMessage error={failed} retry={retry} />}
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
        <SelectField
          label={t('practitioners.organization')}
          {...form.text('organization')}
          options={[
            { value: '', label: t('practitioners.chooseOrganization') },
            ...organizations.data.map((o) => ({
              value: `Organization/${o.id}`,
              label: o.name ?? o.id ?? '',
            })),
          ]}
        />
        <Button disabled={form.submitting}>{common('actions.save')}</Button>
      </form>
    </Page>
  );
}
