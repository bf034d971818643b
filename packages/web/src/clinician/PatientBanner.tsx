/** Who this is, at a glance, on every chart: other-script name, CNIE, age, sex, allergies. */
import type { Patient } from '@medplum/fhirtypes';
import { useTranslation } from 'react-i18next';
import { CNIE_SYSTEM, identifierValue, otherScriptName } from '../fhir/display.ts';
import { useFormat } from '../i18n/useFormat.ts';

export function PatientBanner({ patient }: { patient: Patient }) {
  const { t: common } = useTranslation();
  const format = useFormat();
  const facts = [
    [common('person.cnie'), identifierValue(patient.identifier, CNIE_SYSTEM)],
    [
      common('person.birthDate'),
      patient.birthDate && `${format.date(patient.birthDate)} (${format.age(patient.birthDate)})`,
    ],
    [common('person.gender'), patient.gender && common(`gender.${patient.gender}`)],
    [common('person.phone'), patient.telecom?.find((c) => c.system === 'phone')?.value],
    [common('person.address'), patient.address?.[0]?.city],
  ].filter(([, v]) => v);
  return (
    <section className="card" aria-label={common('person.name')} data-testid="patient-banner">
      <p className="lede">
        <bdi>{otherScriptName(patient.name, format.language)}</bdi>
      </p>
      <dl className="facts">
        {facts.map(([k, v]) => (
          <div key={k}>
            <dt>{common('labelled', { label: k, value: '' })}</dt>
            <dd>
              <bdi>{v}</bdi>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
