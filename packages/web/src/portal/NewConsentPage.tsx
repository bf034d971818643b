/** Allow or block one carer: what, who (search the directory), confirm. */
import type { Consent } from '@medplum/fhirtypes';
import { type FormEvent, Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCreate, useDataQuery } from '../data/index.ts';
import {
  Button,
  Choices,
  ErrorMessage,
  ErrorSummary,
  errorFor,
  type FieldError,
  Loading,
  Page,
  TextField,
} from '../design/index.ts';
import { type CarerChoice, type CarerKind, findCarers } from '../fhir/directory-search.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { buildConsent, type Effect } from './consent.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

type ActorKind = CarerKind;

export default function NewConsentPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const patientId = usePatientId();
  const [effect, setEffect] = useState<Effect>();
  const [kind, setKind] = useState<ActorKind>('Practitioner');
  const [name, setName] = useState('');
  /** The directory search asked for, once the user pressed "Search". */
  const [query, setQuery] = useState<{ kind: ActorKind; name: string }>();
  const found = useDataQuery({
    types: ['Practitioner', 'PractitionerRole', 'Organization'],
    key: ['consent-carers', query?.kind, query?.name, language],
    load: (signal) => findCarers(query?.kind ?? 'Practitioner', query?.name ?? '', language, signal),
    enabled: Boolean(query),
  });
  const matches: CarerChoice[] | undefined = query ? found.data : undefined;
  const create = useCreate<Consent>();
  const [chosen, setChosen] = useState<string>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const busy = create.isPending || (Boolean(query) && found.isFetching);

  function find() {
    if (name.trim().length < 2) {
      setErrors([{ field: 'name', message: t('newConsent.errors.search') }]);
      return;
    }
    setErrors([]);
    setFailure(undefined);
    setQuery({ kind, name: name.trim() });
    setChosen(undefined);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems: FieldError[] = [];
    if (!effect) problems.push({ field: 'effect', message: t('newConsent.errors.effect') });
    const actor = matches?.find((m) => m.reference === chosen);
    if (!actor)
      problems.push({ field: matches?.length ? 'actor' : 'name', message: t('newConsent.errors.actor') });
    setErrors(problems);
    if (problems.length > 0 || !effect || !actor) return;
    try {
      const reference = { reference: actor.reference, display: actor.name };
      await create.mutateAsync(buildConsent({ patientId, effect, actor: reference }));
      navigate('/portal/consents');
    } catch (error) {
      setFailure(error);
    }
  }

  return (
    <Page title={t('newConsent.title')} back={{ to: '/portal/consents', label: t('consents.title') }}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      {query && found.isError && <ErrorMessage error={found.error} retry={() => void found.refetch()} />}
      <form onSubmit={submit} noValidate>
        <Choices
          id="effect"
          legend={t('newConsent.effect')}
          type="radio"
          error={errorFor(errors, 'effect')}
          options={[
            {
              value: 'permit',
              label: <ChoiceLabel text={t('newConsent.permit')} hint={t('newConsent.permitHint')} />,
            },
            {
              value: 'deny',
              label: <ChoiceLabel text={t('newConsent.deny')} hint={t('newConsent.denyHint')} />,
            },
          ]}
          value={effect ? [effect] : []}
          onChange={([v]) => setEffect(v === 'deny' ? 'deny' : 'permit')}
        />
        <Choices
          id="kind"
          legend={t('newConsent.kind')}
          type="radio"
          options={[
            { value: 'Practitioner', label: t('newConsent.practitioner') },
            { value: 'Organization', label: t('newConsent.organization') },
          ]}
          value={[kind]}
          onChange={([v]) => {
            setKind(v === 'Organization' ? 'Organization' : 'Practitioner');
            setQuery(undefined);
          }}
        />
        <TextField
          id="name"
          label={t('newConsent.search')}
          hint={t('newConsent.searchHint')}
          error={errorFor(errors, 'name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              find();
            }
          }}
        />
        <p>
          <Button type="button" variant="secondary" onClick={find} disabled={busy}>
            {t('actions.search', { ns: 'common' })}
          </Button>
        </p>
        {busy && !matches && <Loading />}
        {matches?.length === 0 && <p className="empty">{t('newConsent.noMatch')}</p>}
        {matches && matches.length > 0 && (
          <Choices
            id="actor"
            legend={t('newConsent.choose')}
            type="radio"
            error={errorFor(errors, 'actor')}
            options={matches.map((m) => ({
              value: m.reference,
              label: <CarerLabel choice={m} />,
            }))}
            value={chosen ? [chosen] : []}
            onChange={([v]) => setChosen(v)}
          />
        )}
        <Button disabled={busy}>{t('newConsent.submit')}</Button>
      </form>
    </Page>
  );
}

function ChoiceLabel({ text, hint }: { text: string; hint: string }) {
  return (
    <span>
      {text}
      <br />
      <span className="secondary">{hint}</span>
    </span>
  );
}

/** Each detail isolated: an Arabic specialty and a facility named in Latin letters keep their order. */
function CarerLabel({ choice }: { choice: CarerChoice }) {
  const details = [
    ...choice.specialties.map((text) => ({ key: `specialty-${text}`, text, testId: 'carer-specialty' })),
    ...choice.places.map((text) => ({ key: `place-${text}`, text, testId: undefined })),
  ];
  return (
    <span>
      <bdi>{choice.name}</bdi>
      <br />
      <span className="secondary">
        {details.map((d, i) => (
          <Fragment key={d.key}>
            {i > 0 && ' · '}
            <bdi data-testid={d.testId}>{d.text}</bdi>
          </Fragment>
        ))}
      </span>
    </span>
  );
}
