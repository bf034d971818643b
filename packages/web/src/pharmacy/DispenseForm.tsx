/**
 * A signed-in pharmacist records the dispensing: for the pharmacy their account is attached to
 * (said, not typed; chosen when there are several), or — an account attached to none — for the
 * pharmacy whose name and INPE they type.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { useDataQuery } from '../data/index.ts';
import { Button, ErrorMessage, Loading, SelectField, TextField } from '../design/index.ts';
import { NS } from './i18n/index.ts';
import { dispensePrescription, myPharmacies, pharmacyLabel } from './verify.ts';

export function DispenseForm(props: {
  code: string;
  /** Recorded. */
  onDone(): void;
  /** Refused because another pharmacy got there first, or the prescription changed status. */
  onRefused(): void;
}) {
  const { t } = useTranslation(NS);
  const mine = useDataQuery({
    types: ['PractitionerRole'],
    key: ['my-pharmacies'],
    load: (signal) => myPharmacies(signal),
  });
  const [pharmacy, setPharmacy] = useState('');
  const [inpe, setInpe] = useState('');
  const [missing, setMissing] = useState(false);
  const [failure, setFailure] = useState<unknown>();
  if (mine.isPending) return <Loading />;
  if (mine.isError) return <ErrorMessage error={mine.error} retry={() => void mine.refetch()} />;
  const attached = mine.data;
  const typed = attached.length === 0;
  const problem = typed
    ? pharmacy.trim().length < 2 && t('missingPharmacy')
    : attached.length > 1 && !pharmacy && t('missingChoice');
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return setMissing(true);
        setFailure(undefined);
        dispensePrescription(
          props.code,
          typed ? pharmacy.trim() : pharmacy || undefined,
          typed ? inpe.trim() || undefined : undefined,
        ).then(props.onDone, (error: unknown) => {
          if (error instanceof ApiError && error.status === 409) props.onRefused();
          else setFailure(error);
        });
      }}
    >
      {failure !== undefined && <ErrorMessage error={failure} />}
      {attached.length === 1 && <p>{t('dispensingFor', { name: pharmacyLabel(attached[0]) })}</p>}
      {attached.length > 1 && (
        <SelectField
          id="pharmacy"
          label={t('choosePharmacy')}
          value={pharmacy}
          error={missing && problem ? problem : undefined}
          onChange={(e) => setPharmacy(e.target.value)}
          options={[
            { value: '', label: t('chooseOne') },
            ...attached.map((p) => ({ value: p.name, label: pharmacyLabel(p) })),
          ]}
        />
      )}
      {typed && (
        <>
          <TextField
            id="pharmacy"
            label={t('pharmacy')}
            value={pharmacy}
            error={missing && problem ? problem : undefined}
            onChange={(e) => setPharmacy(e.target.value)}
          />
          <TextField
            id="inpe"
            short
            inputMode="numeric"
            label={t('inpe')}
            value={inpe}
            onChange={(e) => setInpe(e.target.value)}
          />
        </>
      )}
      <Button>{t('dispense')}</Button>
    </form>
  );
}
