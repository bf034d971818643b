/**
 * Morocco's national immunisation schedule (Programme national d'immunisation, PNI), as published
 * by the Ministry of Health (data/reference/pni-schedule-ma.csv; source in SOURCES.md), and what a
 * child's record says is done, due or late. Pure after loading.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Immunization } from '@medplum/fhirtypes';
import { csvFields } from '../prescriptions/medicines.ts';

export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const PNI_SYSTEM = 'https://sahti.ma/fhir/CodeSystem/pni-antigen';

export interface PniDose {
  ageDays: number;
  ageLabel: string;
  antigen: string;
  dose: number;
  vaccine: string;
  cvx: string;
}

const FILE = fileURLToPath(new URL('../../../../../data/reference/pni-schedule-ma.csv', import.meta.url));

export function parsePni(csv: string): PniDose[] {
  const [header, ...lines] = csv.split(/\r?\n/).filter((l) => l.trim());
  const names = csvFields(header);
  const at = (row: string[], name: string) => row[names.indexOf(name)] ?? '';
  return lines.map((line) => {
    const row = csvFields(line);
    return {
      ageDays: Number(at(row, 'age_days')),
      ageLabel: at(row, 'age_label_fr'),
      antigen: at(row, 'antigen'),
      dose: Number(at(row, 'dose')),
      vaccine: at(row, 'vaccine_fr'),
      cvx: at(row, 'cvx'),
    };
  });
}

let loaded: PniDose[] | undefined;
export function pniSchedule(): PniDose[] {
  loaded ??= parsePni(readFileSync(FILE, 'utf8'));
  return loaded;
}

export type DoseState = 'done' | 'due' | 'late' | 'upcoming';

export interface DoseStatus extends PniDose {
  state: DoseState;
  dueDate: string;
  given?: string;
}

const DAY = 86_400_000;
/** A dose counts as late a month after its date. */
const GRACE_DAYS = 30;

/** Each dose of the schedule for a child born on `birthDate`, given the Immunizations on record. */
export function pniStatus(birthDate: string, immunizations: Immunization[], now = new Date()): DoseStatus[] {
  const birth = Date.parse(`${birthDate.slice(0, 10)}T00:00:00Z`);
  const given = immunizations
    .filter((i) => i.status === 'completed')
    .map((i) => ({
      antigen: i.vaccineCode.coding?.find((c) => c.system === PNI_SYSTEM)?.code,
      cvx: i.vaccineCode.coding?.find((c) => c.system === CVX)?.code,
      dose:
        i.protocolApplied?.[0]?.doseNumberPositiveInt ??
        Number(i.protocolApplied?.[0]?.doseNumberString ?? Number.NaN),
      date: i.occurrenceDateTime ?? '',
    }));
  return pniSchedule().map((dose) => {
    const due = birth + dose.ageDays * DAY;
    const match = given.find(
      (g) => (g.antigen === dose.antigen || (!g.antigen && g.cvx === dose.cvx)) && g.dose === dose.dose,
    );
    const state: DoseState = match
      ? 'done'
      : now.getTime() > due + GRACE_DAYS * DAY
        ? 'late'
        : now.getTime() >= due
          ? 'due'
          : 'upcoming';
    return {
      ...dose,
      state,
      dueDate: new Date(due).toISOString().slice(0, 10),
      ...(match ? { given: match.date } : {}),
    };
  });
}
