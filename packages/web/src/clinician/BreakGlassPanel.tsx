/**
 * Break-the-glass: the clinician states why they need the record now (≥ 10 characters); the
 * server grants a few hours of access, records it and tells the patient.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, breakGlass } from '../api/index.ts';
import { ANY, useDataMutation } from '../data/index.ts';
import { Button, ErrorMessage, ErrorSummary, Notice, TextArea } from '../design/index.ts';
import { reasonProblem } from './break-glass-rules.ts';
import { NS } from './i18n/index.ts';

export function BreakGlassPanel({
  patient,
  onGranted,
}: {
  patient: string;
  onGranted(expiresAt: string): void;
}) {
  const { t } = useTranslation(NS);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<unknown>();
  // the grant opens the whole record: every cached answer (the refused chart first) is asked again
  const grant = useDataMutation({
    write: (reason: string) => breakGlass(patient, reason),
    changes: () => [{ resourceType: ANY }],
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const key = reasonProblem(reason);
    setProblem(key ? t(`breakGlass.${key}`) : undefined);
    setFailure(undefined);
    if (key) return;
    try {
      const granted = await grant.mutateAsync(reason.trim());
      onGranted(granted.expiresAt);
    } catch (error) {
      setFailure(error);
    }
  };

  const missing = failure instanceof ApiError && failure.status === 404;
  return (
    <>
      <ErrorSummary errors={problem ? [{ field: 'reason', message: problem }] : []} />
      <Notice kind="warning">
        <p>
          <strong>{t('breakGlass.forbidden')}</strong>
        </p>
        <p>{t('breakGlass.explain', { hours: 4 })}</p>
      </Notice>
      {missing ? (
        <Notice>{t('breakGlass.unavailable')}</Notice>
      ) : (
        failure !== undefined && <ErrorMessage error={failure} />
      )}
      <form onSubmit={submit} noValidate>
        <TextArea
          id="reason"
          label={t('breakGlass.reason')}
          hint={t('breakGlass.reasonHint')}
          error={problem}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <Button variant="warning" disabled={grant.isPending}>
          {t('breakGlass.submit')}
        </Button>
      </form>
    </>
  );
}
