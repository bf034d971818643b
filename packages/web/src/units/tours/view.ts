/**
 * How a unit's tour, team and equipment read on screen: weekday names in the reader's language,
 * the team as the programme's four places (filled or to fill), each device with its last check.
 * Pure.
 */
import { personName } from '../../fhir/display.ts';
import type { EquipmentCheck, TeamRole, UnitDetail, UnitDevice } from '../api.ts';

const WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
/** The programme's team: a GP, two nurses, an assistant (server: modules/units/terms.ts). */
export const TEAM_PLACES: TeamRole[] = ['gp', 'nurse', 'nurse', 'assistant'];

const LOCALES: Record<string, string> = { fr: 'fr-MA', ar: 'ar-MA', en: 'en-GB' };

/** "lundi", "الاثنين", "Monday" for "mon". */
export function weekdayName(language: string, day: string): string {
  const index = WEEK.indexOf(day);
  if (index < 0) return day;
  // 2024-01-01 was a Monday
  const date = new Date(Date.UTC(2024, 0, 1 + index));
  return new Intl.DateTimeFormat(LOCALES[language] ?? language, { weekday: 'long', timeZone: 'UTC' }).format(
    date,
  );
}

/** A commune's name in the reader's script (communes.csv has French and Arabic). */
export function communeName(
  place: { nameFr?: string; nameAr?: string; name?: string } | undefined,
  language: string,
): string {
  if (!place) return '';
  return (language === 'ar' ? place.nameAr : place.nameFr) || place.nameFr || place.name || '';
}

export interface TeamPlace {
  key: string;
  role: TeamRole;
  /** Empty: the place is still to fill. */
  name: string;
  practitioner?: string;
}

/** The team in the programme's order, members beyond the composition kept, vacant places named. */
export function teamPlaces(roster: UnitDetail['roster'], language: string): TeamPlace[] {
  const left = [...roster];
  const places: TeamPlace[] = TEAM_PLACES.map((role, i) => {
    const at = left.findIndex((m) => m.role === role);
    const member = at >= 0 ? left.splice(at, 1)[0] : undefined;
    return member
      ? {
          key: member.roleId,
          role,
          name: personName(member.names, language) || member.name,
          practitioner: member.practitioner,
        }
      : { key: `vacant-${i}`, role, name: '' };
  });
  return [
    ...places,
    ...left.map((m) => ({
      key: m.roleId,
      role: m.role,
      name: personName(m.names, language) || m.name,
      practitioner: m.practitioner,
    })),
  ];
}

/** "a, b et c" / "a، b وc": a list in the reader's language. */
export function listOf(language: string, items: string[]): string {
  return new Intl.ListFormat(LOCALES[language] ?? language, { type: 'conjunction' }).format(items);
}

/** The unit's equipment in the programme's checklist order (server: DEVICE_KINDS), then by serial. */
const KIND_ORDER = ['bp-monitor', 'glucometer', 'pulse-oximeter', 'thermometer', 'scale', 'ecg', 'camera'];
export function checklistOrder(devices: UnitDevice[]): UnitDevice[] {
  const rank = (d: UnitDevice) => {
    const i = KIND_ORDER.indexOf(d.kind ?? '');
    return i < 0 ? KIND_ORDER.length : i;
  };
  return [...devices].sort((a, b) => rank(a) - rank(b) || (a.serial ?? '').localeCompare(b.serial ?? ''));
}

export type CheckState = 'ok' | 'notWorking' | 'missing' | 'unchecked';

/** A device's state at the unit's last equipment check. */
export function checkState(device: UnitDevice, check: EquipmentCheck | undefined): CheckState {
  const item = check?.items.find((i) => i.device === device.id);
  if (!item) return 'unchecked';
  if (item.present === false) return 'missing';
  if (item.working === false) return 'notWorking';
  return 'ok';
}
