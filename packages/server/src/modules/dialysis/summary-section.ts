/**
 * The dialysis section of the patient summary (IPS allows sections beyond its own): the current
 * prescription with its parameters, the vascular access, the dry weight and the dates and results
 * of the latest hepatitis B, hepatitis C and HIV serology — what a guest centre reads first.
 */
import type { Observation, Procedure, Resource, ServiceRequest } from '@medplum/fhirtypes';
import type { FhirStore } from '@sahti/fhir';
import type { SectionProvider, SummarySection } from '../summary/index.ts';
import { escapeXml } from '../summary/ips.ts';
import { prescriptionParams } from './record.ts';
import { DIALYSIS_SYSTEM, PRESCRIPTION, SEROLOGY, SEROLOGY_KEYS, VASCULAR_ACCESS } from './terms.ts';

const token = (c: { system: string; code: string }) => `${c.system}|${c.code}`;

export const dialysisSection: SectionProvider = async (store: FhirStore, patientId: string) => {
  const patient = `Patient/${patientId}`;
  const find = async <T>(type: string, query: [string, string][]) =>
    (await store.search(type, [['patient', patient], ...query])).matches as T[];
  const [prescription] = await find<ServiceRequest>('ServiceRequest', [
    ['category', token(PRESCRIPTION)],
    ['status', 'active'],
    ['_sort', '-authored'],
    ['_count', '1'],
  ]);
  if (!prescription) return undefined;
  const [access] = await find<Procedure>('Procedure', [
    ['category', token(VASCULAR_ACCESS)],
    ['_sort', '-date'],
    ['_count', '1'],
  ]);
  const serology: Observation[] = [];
  for (const key of SEROLOGY_KEYS) {
    const [latest] = await find<Observation>('Observation', [
      ['code', token(SEROLOGY[key])],
      ['_sort', '-date'],
      ['_count', '1'],
    ]);
    if (latest) serology.push(latest);
  }
  const p = prescriptionParams(prescription);
  const timing = prescription.occurrenceTiming?.repeat;
  const rows: [string, string][] = [
    [
      'Rhythm',
      [timing?.dayOfWeek?.join(', '), timing?.timeOfDay?.[0]?.slice(0, 5)].filter(Boolean).join(' — '),
    ],
    ['Duration', p.durationMinutes !== undefined ? `${p.durationMinutes} min` : ''],
    ['Blood flow', p.bloodFlow !== undefined ? `${p.bloodFlow} mL/min` : ''],
    ['Dialyser', p.dialyser ?? ''],
    ['Dialysate', p.dialysate ?? ''],
    ['Anticoagulation', p.anticoagulation ?? ''],
    ['Dry weight', p.dryWeightKg !== undefined ? `${p.dryWeightKg} kg` : ''],
    [
      'Vascular access',
      access
        ? `${access.code?.text ?? access.code?.coding?.[0]?.display ?? ''}${access.bodySite?.[0]?.text ? `, ${access.bodySite[0].text}` : ''}`
        : '',
    ],
    ...serology.map((o): [string, string] => [
      o.code.coding?.[0]?.display ?? o.code.text ?? '',
      `${o.valueCodeableConcept?.coding?.[0]?.display ?? o.valueCodeableConcept?.text ?? ''} (${(o.effectiveDateTime ?? '').slice(0, 10)})`,
    ]),
  ];
  const narrative = `<table><tbody>${rows
    .filter(([, v]) => v)
    .map(([k, v]) => `<tr><th>${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`)
    .join('')}</tbody></table>`;
  const entries: Resource[] = [prescription, ...(access ? [access] : []), ...serology];
  const section: SummarySection = {
    spec: {
      key: 'dialysis',
      code: { system: DIALYSIS_SYSTEM, code: 'haemodialysis-summary', display: 'Haemodialysis' },
      title: { fr: 'Hémodialyse', ar: 'تصفية الدم', en: 'Haemodialysis' },
    },
    entries,
    narrative,
  };
  return section;
};
