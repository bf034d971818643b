/** Create or edit a health worker: Practitioner and PractitionerRole, in one transaction. */
import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import type { PageProps } from '../app/routes.ts';
import { useLoad } from '../app/useLoad.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  errorFor,
  Loading,
  Page,
  SelectField,
  TextField,
} from '../design/index.ts';
import { navigate } from '../router/router.tsx';
import { NS } from './i18n/index.ts';
import {
  EMPTY_PRACTITIONER,
  type PractitionerValues,
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
  const loaded = useLoad(async () => {
    const organizations = await fhir.searchResources('Organization', {
      type: 'prov',
      _sort: 'name',
      _count: 500,
    });
    if (isNew) return { organizations, existing: undefined };
    const [practitioner, roles] = await Promise.all([
      fhir.read('Practitioner', params.id),
      fhir.searchResources('PractitionerRole', { practitioner: `Practitioner/${params.id}`, _count: 1 }),
    ]);
    const existing: { practitioner: Practitioner; role?: PractitionerRole } = {
      practitioner,
      role: roles[0],
    };
    return { organizations, existing };
  }, [params.id]);
  const [values, setValues] = useState<PractitionerValues>(EMPTY_PRACTITIONER);
  const [submitted, setSubmitted] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const existing = loaded.data?.existing;
    if (existing) setValues(practitionerValues(existing.practitioner, existing.role));
  }, [loaded.data]);

  const problems = submitted ? practitionerProblems(values) : [];
  const errors = problems.map((p) => ({ field: p.field, message: t(`errors.${p.key}`) }));
  const set = (field: keyof PractitionerValues) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (practitionerProblems(values).length > 0) return;
    setBusy(true);
    setFailure(undefined);
    try {
      const organization = loaded.data?.organizations.find(
        (o) => `Organization/${o.id}` === values.organization,
      );
      await fhir.transaction(practitionerTransaction(values, loaded.data?.existing, organization?.name));
      navigate('/admin/practitioners?saved=1');
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  };

  const title = isNew ? t('practitioners.newTitle') : t('practitioners.editTitle');
  const back = { to: '/admin/practitioners', label: t('practitioners.title') };
  if (!loaded.data) {
    return (
      <Page title={title} back={back}>
        {loaded.loading ? <Loading /> : <ErrorMessage error={loaded.error} retry={loaded.reload} />}
      </Page>
    );
  }
  return (
    <Page title={title} back={back}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      <form onSubmit={submit} noValidate>
        <TextField
          id="given"
          label={t('practitioners.given')}
          error={errorFor(errors, 'given')}
          value={values.given}
          onChange={set('given')}
          autoComplete="off"
        />
        <TextField
          id="family"
          label={t('practitioners.family')}
          error={errorFor(errors, 'family')}
          value={values.family}
          onChange={set('family')}
          autoComplete="off"
        />
        <TextField
          id="arabicName"
          label={t('practitioners.arabicName')}
          hint={t('practitioners.arabicNameHint')}
          value={values.arabicName}
          onChange={set('arabicName')}
          dir="rtl"
          lang="ar"
        />
        <TextField
          id="inpe"
          label={t('practitioners.inpe')}
          hint={t('practitioners.inpeHint')}
          error={errorFor(errors, 'inpe')}
          value={values.inpe}
          onChange={set('inpe')}
          inputMode="numeric"
          dir="ltr"
          short
        />
        <Choices
          id="gender"
          legend={t('practitioners.gender')}
          type="radio"
          options={[
            { value: 'female', label: common('gender.female') },
            { value: 'male', label: common('gender.male') },
          ]}
          value={values.gender ? [values.gender] : []}
          onChange={([g]) => setValues((v) => ({ ...v, gender: g === 'male' ? 'male' : 'female' }))}
        />
        <TextField
          id="phone"
          type="tel"
          label={t('practitioners.phone')}
          value={values.phone}
          onChange={set('phone')}
          dir="ltr"
        />
        <Choices
          id="roles"
          legend={t('practitioners.roles')}
          type="checkbox"
          error={errorFor(errors, 'roles')}
          options={ROLE_CODES.map((r) => ({ value: r, label: t(`practitioners.roleNames.${r}`) }))}
          value={values.roles}
          onChange={(roles) => setValues((v) => ({ ...v, roles }))}
        />
        <SelectField
          id="specialty"
          label={t('practitioners.specialty')}
          value={values.specialty}
          onChange={(e) => setValues((v) => ({ ...v, specialty: e.target.value as SpecialtyCode | '' }))}
          options={[
            { value: '', label: t('practitioners.noSpecialty') },
            ...Object.keys(SPECIALTIES).map((code) => ({
              value: code,
              label: t(`practitioners.specialties.${code}`),
            })),
          ]}
        />
        <SelectField
          id="organization"
          label={t('practitioners.organization')}
          error={errorFor(errors, 'organization')}
          value={values.organization}
          onChange={set('organization')}
          options={[
            { value: '', label: t('practitioners.chooseOrganization') },
            ...loaded.data.organizations.map((o) => ({
              value: `Organization/${o.id}`,
              label: o.name ?? o.id ?? '',
            })),
          ]}
        />
        <Button disabled={busy}>{common('actions.save')}</Button>
      </form>
    </Page>
  );
}
