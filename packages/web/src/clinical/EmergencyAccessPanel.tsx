/**
 * Break-the-glass from the search: the clinician types the CNIE number, sees who it names (name,
 * age, sex) and, once sure, gives the reason; the server grants a few hours, records and tells the
 * patient; the chart opens.
 */
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/errors.ts';
import { reasonProblem } from '../clinician/break-glass-rules.ts';
import { NS as CLINICIAN } from '../clinician/i18n/index.ts';
import { ANY, useDataMutation } from '../data/index.ts';
import {
  Button,
  Card,
  ErrorMessage,
  ErrorSummary,
  LinkButton,
  Notice,
  TextArea,
  TextField,
} from '../design/index.ts';
import { looksLikeCnie } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { navigate } from '../router/router.tsx';
import { breakGlassByIdentifier, type EmergencyPreview, previewEmergency } from './api.ts';
import { NS } from './i18n/index.ts';

export function EmergencyAccessPanel({ initial = '' }: { initial?: string }) {
  const { t } = useTranslation(NS);
  const { t: clinician } = useTranslation(CLINICIAN);
  const { t: common } = useTranslation();
  const format = useFormat();
  const [cnie, setCnie] = useState(looksLikeCnie(initial) ? initial.toUpperCase() : '');
  const [preview, setPreview] = useState<EmergencyPreview>();
  const [reason, setReason] = useState('');
  const [problems, setProblems] = useState<{ field: string; message: string }[]>([]);
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const grant = useDataMutation({
    write: (why: string) => breakGlassByIdentifier(cnie.replace(/\s/g, '').toUpperCase(), why),
    changes: () => [{ resourceType: ANY }],
  });

  const check = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    const value = cnie.replace(/\s/g, '').toUpperCase();
    if (!value) return setProblems([{ field: 'emergency-cnie', message: t('errors.cnieMissing') }]);
    if (!looksLikeCnie(value))
      return setProblems([{ field: 'emergency-cnie', message: t('breakGlass.cnieFormat') }]);
    setProblems([]);
    setBusy(true);
    try {
      setPreview(await previewEmergency(value));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404)
        setProblems([{ field: 'emergency-cnie', message: t('breakGlass.notFound') }]);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    const key = reasonProblem(reason);
    if (key) return setProblems([{ field: 'reason', message: clinician(`breakGlass.${key}`) }]);
    setProblems([]);
    try {
      const granted = await grant.mutateAsync(reason.trim());
      navigate(`/clinician/patients/${granted.patient.replace('Patient/', '')}`);
    } catch (error) {
      setFailure(error);
    }
  };
  const errorOf = (field: string) => problems.find((p) => p.field === field)?.message;

  return (
    <Card title={t('breakGlass.fromSearch')} testId="emergency-access">
      <p>{t('breakGlass.fromSearchLede')}</p>
      <ErrorSummary errors={problems} />
      {failure !== undefined && <ErrorMessage error={failure} />}
      {!preview ? (
        <form onSubmit={check} noValidate>
          <TextField
            id="emergency-cnie"
            label={t('breakGlass.cnie')}
            short
            dir="ltr"
            autoComplete="off"
            error={errorOf('emergency-cnie')}
            value={cnie}
            onChange={(e) => setCnie(e.target.value)}
          />
          <Button variant="secondary" disabled={busy}>
            {t('breakGlass.check')}
          </Button>
        </form>
      ) : (
        <form onSubmit={confirm} noValidate>
          <Notice kind="warning">
            <p>{t('breakGlass.identity')}</p>
            <p className="h2-like" data-testid="emergency-identity">
              <bdi>{format.language === 'ar' && preview.arabicName ? preview.arabicName : preview.name}</bdi>
            </p>
            <p>
              {[
                preview.birthDate &&
                  t('breakGlass.born', {
                    date: format.date(preview.birthDate),
                    age: format.age(preview.birthDate),
                  }),
                preview.gender && common(`gender.${preview.gender}`),
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
          </Notice>
          <TextArea
            id="reason"
            label={clinician('breakGlass.reason')}
            hint={clinician('breakGlass.reasonHint')}
            error={errorOf('reason')}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
          <div className="cluster">
            <Button variant="warning" disabled={grant.isPending}>
              {t('breakGlass.confirm')}
            </Button>
            <LinkButton
              onClick={() => {
                setPreview(undefined);
                setReason('');
              }}
            >
              {t('breakGlass.other')}
            </LinkButton>
          </div>
        </form>
      )}
    </Card>
  );
}
