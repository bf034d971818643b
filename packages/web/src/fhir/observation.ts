/** An Observation's value as one short text: "72,5 kg", "140/90 mmHg", "positive". Pure. */
import type { Observation, Quantity } from '@medplum/fhirtypes';
import { conceptText } from './display.ts';
import { DIASTOLIC, LOINC, SYSTOLIC } from './series.ts';

type FormatQuantity = (q: Quantity) => string;
type FormatNumber = (n: number) => string;
type FormatUnit = (ucum: string) => string;

const asWritten: FormatUnit = (ucum) => (ucum === 'mm[Hg]' ? 'mmHg' : ucum);

export function observationCode(observation: Observation): string | undefined {
  return (
    observation.code?.coding?.find((c) => c.system === LOINC)?.code ?? observation.code?.coding?.[0]?.code
  );
}

export function observationDate(observation: Observation): string | undefined {
  return observation.effectiveDateTime ?? observation.effectivePeriod?.start ?? observation.issued;
}

export function observationValueText(
  observation: Observation,
  quantity: FormatQuantity,
  number: FormatNumber,
  unit: FormatUnit = asWritten,
): string {
  if (observation.valueQuantity) return quantity(observation.valueQuantity);
  const component = (code: string) =>
    observation.component?.find((c) => c.code.coding?.some((x) => x.code === code))?.valueQuantity;
  const sys = component(SYSTOLIC);
  const dia = component(DIASTOLIC);
  if (sys?.value !== undefined && dia?.value !== undefined) {
    return `${number(sys.value)}/${number(dia.value)} ${sys.unit ? unit(sys.unit) : ''}`.trim();
  }
  if (observation.valueString) return observation.valueString;
  if (observation.valueCodeableConcept) return conceptText(observation.valueCodeableConcept);
  if (typeof observation.valueBoolean === 'boolean') return String(observation.valueBoolean);
  if (typeof observation.valueInteger === 'number') return number(observation.valueInteger);
  return (observation.component ?? [])
    .map((c) => (c.valueQuantity ? quantity(c.valueQuantity) : ''))
    .filter(Boolean)
    .join(' · ');
}
