/** Sharing: the national opt-out, and per-carer choices to allow or block, each withdrawable. */
import type { Consent } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCreate, useSearchResources, useUpdate } from '../data/index.ts';
import {
  Button,
  ButtonLink,
  Card,
  Empty,
  ErrorMessage,
  Loading,
  Notice,
  Page,
  Tag,
} from '../design/index.ts';
import { referenceText } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { buildConsent, consentActor, revoked, sortConsents } from './consent.ts';
import { NS } from './i18n/index.ts';
import { usePatientId } from './usePatientId.ts';

export default function ConsentsPage() {
  const { t } = useTranslation(NS);
  const format = useFormat();
  const patientId = usePatientId();
  const consents = useSearchResources('Consent', { patient: `Patient/${patientId}`, _count: 200 });
  // each write refreshes the list by itself (the data layer knows it holds Consents)
  const create = useCreate<Consent>();
  const update = useUpdate<Consent>();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState<string>();
  // opting out hides the record from carers nationwide: one tap only asks, the second confirms
  const [confirmingOptOut, setConfirmingOptOut] = useState(false);

  const act = async (write: () => Promise<unknown>, message: string) => {
    setBusy(true);
    setFailure(undefined);
    setDone(undefined);
    try {
      await write();
      setDone(message);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const sorted = consents.data ? sortConsents(consents.data) : undefined;
  const label = (c: Consent) => referenceText(consentActor(c)) || t('consents.everyone');
  return (
    <Page title={t('consents.title')} lede={t('consents.lede')}>
      {done && <Notice kind="success">{done}</Notice>}
      {failure !== undefined && <ErrorMessage error={failure} />}
      {consents.isPending && <Loading />}
      {consents.isError && <ErrorMessage error={consents.error} retry={() => void consents.refetch()} />}
      {sorted && (
        <>
          <Card title={t('consents.national')} testId="national-sharing">
            <p>{sorted.optOut ? t('consents.nationalOff') : t('consents.nationalOn')}</p>
            {sorted.optOut ? (
              <Button
                type="button"
                variant="secondary"
                disabled={busy}
                onClick={() =>
                  act(() => update.mutateAsync(revoked(sorted.optOut!)), t('consents.nationalOn'))
                }
              >
                {t('consents.optIn')}
              </Button>
            ) : confirmingOptOut ? (
              <div data-testid="opt-out-confirm">
                <Notice kind="warning">
                  <p>
                    <strong>{t('consents.optOutConfirm.title')}</strong>
                  </p>
                  <ul>
                    <li>{t('consents.optOutConfirm.carers')}</li>
                    <li>{t('consents.optOutConfirm.emergency')}</li>
                    <li>{t('consents.optOutConfirm.undo')}</li>
                  </ul>
                </Notice>
                <div className="cluster">
                  <Button
                    type="button"
                    variant="warning"
                    disabled={busy}
                    onClick={() =>
                      act(async () => {
                        await create.mutateAsync(buildConsent({ patientId, effect: 'deny' }));
                        setConfirmingOptOut(false);
                      }, t('consents.nationalOff'))
                    }
                  >
                    {t('consents.optOutConfirm.confirm')}
                  </Button>
                  <Button
                    type="button"
                    variant="secondary"
                    disabled={busy}
                    onClick={() => setConfirmingOptOut(false)}
                  >
                    {t('consents.optOutConfirm.cancel')}
                  </Button>
                </div>
              </div>
            ) : (
              <Button
                type="button"
                variant="warning"
                disabled={busy}
                onClick={() => {
                  setDone(undefined);
                  setConfirmingOptOut(true);
                }}
              >
                {t('consents.optOut')}
              </Button>
            )}
          </Card>
          <section>
            <h2>{t('consents.rules')}</h2>
            {sorted.rules.length === 0 ? (
              <Empty>{t('consents.noRules')}</Empty>
            ) : (
              <ul className="list-plain" data-testid="consent-rules">
                {sorted.rules.map((c) => (
                  <li key={c.id} className="row-between">
                    <span>
                      <strong>{label(c)}</strong>{' '}
                      <Tag kind={c.provision?.type === 'deny' ? 'warning' : 'success'}>
                        {c.provision?.type === 'deny' ? t('consents.deny') : t('consents.permit')}
                      </Tag>
                      <br />
                      <span className="secondary">
                        {t('consents.since', { date: format.date(c.dateTime) })}
                      </span>
                    </span>
                    <Button
                      type="button"
                      variant="secondary"
                      small
                      disabled={busy}
                      aria-label={t('labelled', {
                        ns: 'common',
                        label: t('consents.revoke'),
                        value: label(c),
                      })}
                      onClick={() => act(() => update.mutateAsync(revoked(c)), t('consents.revoked'))}
                    >
                      {t('consents.revoke')}
                    </Button>
                  </li>
                ))}
              </ul>
            )}
            <p className="spaced">
              <ButtonLink to="/portal/consents/new" variant="secondary">
                {t('consents.add')}
              </ButtonLink>
            </p>
          </section>
          {sorted.history.length > 0 && (
            <details>
              <summary>{t('consents.history')}</summary>
              <ul className="list-plain">
                {sorted.history.map((c) => (
                  <li key={c.id}>
                    {label(c)} — {c.provision?.type === 'deny' ? t('consents.deny') : t('consents.permit')} ·{' '}
                    <span className="secondary">{format.date(c.dateTime)}</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
        </>
      )}
    </Page>
  );
}
