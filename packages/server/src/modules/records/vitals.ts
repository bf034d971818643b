/**
 * The vital signs a visit records: LOINC code, UCUM unit, the plausible range a value must fall in
 * (refused outside it: a typing error, not a patient) and the usual adult range shown beside it
 * (Observation.referenceRange; an interpretation H/L when outside). Pure data.
 *
 * The usual ranges are common adult clinical thresholds (blood pressure below 140/90 mmHg, resting
 * heart rate 60–100/min, …), given for orientation; a deployment adjusts them in this one table.
 */
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export interface VitalSign {
  /** Our key, the field name in forms and contracts. */
  key: string;
  loinc: string;
  display: string;
  unit: string;
  /** Values outside are refused (400). */
  plausible: [number, number];
  /** Usual adult range (referenceRange), when one makes sense. */
  usual?: [number, number];
  decimals: number;
}

export const VITAL_SIGNS: readonly VitalSign[] = [
  {
    key: 'systolic',
    loinc: '8480-6',
    display: 'Systolic blood pressure',
    unit: 'mm[Hg]',
    plausible: [50, 280],
    usual: [90, 139],
    decimals: 0,
  },
  {
    key: 'diastolic',
    loinc: '8462-4',
    display: 'Diastolic blood pressure',
    unit: 'mm[Hg]',
    plausible: [20, 180],
    usual: [60, 89],
    decimals: 0,
  },
  {
    key: 'heartRate',
    loinc: '8867-4',
    display: 'Heart rate',
    unit: '/min',
    plausible: [20, 250],
    usual: [60, 100],
    decimals: 0,
  },
  {
    key: 'respiratoryRate',
    loinc: '9279-1',
    display: 'Respiratory rate',
    unit: '/min',
    plausible: [4, 80],
    usual: [12, 20],
    decimals: 0,
  },
  {
    key: 'temperature',
    loinc: '8310-5',
    display: 'Body temperature',
    unit: 'Cel',
    plausible: [30, 44],
    usual: [36.1, 37.8],
    decimals: 1,
  },
  {
    key: 'oxygenSaturation',
    loinc: '2708-6',
    display: 'Oxygen saturation in Arterial blood',
    unit: '%',
    plausible: [40, 100],
    usual: [95, 100],
    decimals: 0,
  },
  { key: 'weight', loinc: '29463-7', display: 'Body weight', unit: 'kg', plausible: [0.3, 400], decimals: 1 },
  { key: 'height', loinc: '8302-2', display: 'Body height', unit: 'cm', plausible: [20, 250], decimals: 0 },
  {
    key: 'glucose',
    loinc: '2339-0',
    display: 'Glucose [Mass/volume] in Blood',
    unit: 'mg/dL',
    plausible: [10, 1000],
    usual: [70, 140],
    decimals: 0,
  },
];

export const BLOOD_PRESSURE_PANEL = {
  loinc: '85354-9',
  display: 'Blood pressure panel with all children optional',
};

export const vitalByKey = (key: string): VitalSign | undefined => VITAL_SIGNS.find((v) => v.key === key);

/** H or L when a value is outside the usual range. Pure. */
export function interpretation(sign: VitalSign, value: number): 'H' | 'L' | 'N' | undefined {
  if (!sign.usual) return undefined;
  if (value > sign.usual[1]) return 'H';
  if (value < sign.usual[0]) return 'L';
  return 'N';
}

/** Why a value cannot be recorded, or undefined. Pure. */
export function vitalProblem(key: string, value: unknown): string | undefined {
  const sign = vitalByKey(key);
  if (!sign) return `vitals.${key}: not a vital sign this form records`;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `vitals.${key}: a number`;
  const [low, high] = sign.plausible;
  if (value < low || value > high) return `vitals.${key}: between ${low} and ${high} ${sign.unit}`;
  return undefined;
}
