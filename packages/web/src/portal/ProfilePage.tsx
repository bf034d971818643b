/** The patient's details, language, and a download of the whole record ($everything). */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fhir } from '../api/index.ts';
import { useResource } from '../data/index.ts';
import { Button, Choices, ErrorMessage, Loading, Notice, Page, SummaryList } from '../design/index.ts';
import { CNIE_SYSTEM, identifierValue, otherScriptName, personName } from '../fhir/display.ts';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES } from '../i18n/languages.ts';
import { setLanguage } from '../i18n/setup.ts';
import { useFormat } from '../i18n/useFormat.ts';
import { useActingFor } from './acting-for.ts';
import { ContactDetails } from './ContactDetails.tsx';
import { NS } from './i18n/index.ts';
import { RecordCopy } from './RecordCopy.tsx';
import { usePatientId } from './usePatientId.ts';

export default function ProfilePage() {
  const { t } = useTranslation(NS);
  const { t: common } = useTranslation();
  const format = useFormat();
  const patientId = usePatientId();
  const patient = useResource('Patient', patientId);
  const actingFor = useActingFor();
  const [exporting, setExporting] = useState(false);
  const [exported, setExported] = useState<number>();
  const [failure, setFailure] = useState<unknown>();

  const download = async () => {
    setExporting(true);
    setFailure(undefined);
    try {
      const bundle = await fhir.everything(patientId);
      const blob = new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `sahti-${new Date().toISOString().slice(0, 10)}.json`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExported(bundle.entry?.length ?? 0);
    } catch (error) {
      setFailure(error);
    } finally {
      setExporting(false);
    }
  };

  const p = patient.data;
  const address = p?.address?.[0];
  return (
    <Page title={t('profile.title')}>
      <section>
        <h2>{t('profile.details')}</h2>
        {patient.isPending && <Loading />}
        {patient.isError && <ErrorMessage error={patient.error} retry={() => void patient.refetch()} />}
        {p && (
          <SummaryList
            rows={[
              [common('person.cnie'), <bdi key="cnie">{identifierValue(p.identifier, CNIE_SYSTEM)}</bdi>],
              [
                common('person.name'),
                <span key="name">
                  {personName(p.name, format.language)}
                  {otherScriptName(p.name, format.language) && (
                    <>
                      <br />
                      <bdi className="secondary">{otherScriptName(p.name, format.language)}</bdi>
                    </>
                  )}
                </span>,
              ],
              [common('person.birthDate'), format.date(p.birthDate)],
              [common('person.gender'), p.gender ? common(`gender.${p.gender}`) : ''],
              [
                common('person.phone'),
                <bdi key="phone">{p.telecom?.find((c) => c.system === 'phone')?.value}</bdi>,
              ],
              [
                common('person.address'),
                <bdi key="address">
                  {[address?.line?.join(', '), address?.city].filter(Boolean).join(', ')}
                </bdi>,
              ],
            ]}
          />
        )}
      </section>
      {!actingFor && <ContactDetails />}
      <RecordCopy patientId={patientId} />
      <section>
        <Choices
          id="language"
          legend={<span className="h2-like">{t('profile.language')}</span>}
          hint={t('profile.languageHint')}
          type="radio"
          options={LANGUAGES.map((l) => ({ value: l, label: <span lang={l}>{LANGUAGE_NAMES[l]}</span> }))}
          value={[format.language]}
          onChange={([v]) => isLanguage(v) && void setLanguage(v)}
        />
      </section>
      <section>
        <h2>{t('profile.export')}</h2>
        <p>{t('profile.exportLede')}</p>
        {exported !== undefined && (
          <Notice kind="success">{t('profile.exported', { count: exported })}</Notice>
        )}
        {failure !== undefined && <ErrorMessage error={failure} />}
        <Button type="button" variant="secondary" onClick={() => void download()} disabled={exporting}>
          {exporting ? t('profile.exporting') : t('profile.exportButton')}
        </Button>
      </section>
    </Page>
  );
}
