/** Allow or block one carer: what, who (search the directory), confirm. */
import type { Organization, Practitioner } from '@medplum/fhirtypes';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
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
import { personName } from '../fhir/display.ts';
import { useLanguage } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { buildConsent, type Effect } from './consent.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

type ActorKind = 'Practitioner' | 'Organization';

export default function NewConsentPage() {
  const { t } = useTranslation(NS);
  const language = useLanguage();
  const patientId = usePatientId();
  const [effect, setEffect] = useState<Effect>();
  const [kind, setKind] = useState<ActorKind>('Practitioner');
  const [name, setName] = useState('');
  const [matches, setMatches] = useState<(Practitioner | Organization)[]>();
  const [chosen, setChosen] = useState<string>();
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const display = (r: Practitioner | Organization) =>
    r.resourceType === 'Practitioner' ? personName(r.name, language) : (r.name ?? '');

  async function find() {
    if (name.trim().length < 2) {
      setErrors([{ field: 'name', message: t('newConsent.errors.search') }]);
      return;
    }
    setErrors([]);
    setFailure(undefined);
    setBusy(true);
    try {
      setMatches(await fhir.searchResources(kind, { name: name.trim(), _count: 20 }));
      setChosen(undefined);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found: FieldError[] = [];
    if (!effect) found.push({ field: 'effect', message: t('newConsent.errors.effect') });
    const actor = matches?.find((m) => `${m.resourceType}/${m.id}` === chosen);
    if (!actor)
      found.push({ field: matches?.length ? 'actor' : 'name', message: t('newConsent.errors.actor') });
    setErrors(found);
    if (found.length > 0 || !effect || !actor) return;
    setBusy(true);
    try {
      const reference = { reference: `${actor.resourceType}/${actor.id}`, display: display(actor) };
      await fhir.create(buildConsent({ patientId, effect, actor: reference }));
      navigate('/portal/consents');
    } catch (error) {
      setFailure(error);
      setBusy(false);
    }
  }

  return (
    <Page title={t('newConsent.title')} back={{ to: '/portal/consents', label: t('consents.title') }}>
      <ErrorSummary errors={errors} />
      {failure !== undefined && <ErrorMessage error={failure} />}
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
            setMatches(undefined);
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
              void find();
            }
          }}
        />
        <p>
          <Button type="button" variant="secondary" onClick={() => void find()} disabled={busy}>
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
            options={matches.map((m) => ({ value: `${m.resourceType}/${m.id}`, label: display(m) }))}
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
