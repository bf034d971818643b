/**
 * Which OpenStreetMap facilities the directory demo may seat a physician at, and with which
 * specialty. The facility type in the data (amenity=hospital|clinic|doctors) is not enough on its
 * own: opticians, pharmacies, dental and physiotherapy practices, laboratories, nurses' rooms and
 * bare personal names are tagged hospital, clinic or doctors too. A place counts when its name says
 * what kind of care place it is (hospital, clinic, dialysis centre, health centre, doctor's
 * practice), says nothing of a trade physicians do not practise in, and carries a name of its own
 * beyond those words ("Centre de Santé Rural Niveau 2", "Cabinet Medical", "مستشفى" look unnamed).
 * Pure.
 */
import type { Facility } from '../../demo/reference-data.ts';

export type CarePlaceKind = 'hospital' | 'clinic' | 'dialysis' | 'health_centre' | 'practice';

/** Lower case, accents dropped (Arabic letters are kept as they are). */
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[’‘`]/g, "'");

/** Trades and services that are not a physician's consulting place, whatever the map's tag says. */
const NOT_A_CARE_PLACE =
  /pharmac|parmacie|optique|optic|opticien|dentaire|dentiste|dental|dento|orthodont|laborato|\blabo|analyse|radiolog|radio ech|echograph|kine|veterinaire|notaire|podolog|orthophon|orthopt|auditi|audition|esthet|nutrition|rehabilitation|permis|projet|\bp\.? ?p\b|خبير|infirm|formation|institut|materiel|comptoir|domicile|urgence|addicto|anatom|patholog|biolog|procreation|fecondation|depistage|reeducation|readaptation|osteopath|handicap|association|delegation|\bshop\b|مستودع|الترويض|التمريض|تصحيح السمع/;

/** The words that say what kind of place it is, tried in this order (dialysis before clinic). */
const KIND_WORDS: [CarePlaceKind, RegExp][] = [
  ['dialysis', /dialys|nephrolog|nefrolog|maladies renales|\brein\b/],
  ['health_centre', /centre de sante|health cent|dispensaire|dispensary|مركز صحي|المركز الصحي|مستوصف/],
  ['hospital', /hopital|hospital|\bchu\b|centre hospitalier|مستشفى|استشفائي/],
  ['clinic', /clinique|\bclinic\b|مصحة|عيادة/],
  ['practice', /^(dr|drs|docteur|doctor|pr|professeur)\b|^cabinet\b|الدكتور|دكتور|الطبيب/],
];

/** Words that name a kind or a qualifier, not the place itself. */
const GENERIC = new Set(
  (
    'hopital hospital chu centre center hospitalier universitaire universitaie provincial regional prefectoral ' +
    'local prive privee public publique general generale de du des la le les l d et a en au aux sante health ' +
    'rural urbain urbaine communal comunal niveau clinique clinic polyclinique medical medicale medecine ' +
    'medicin medecin cabinet cabinets dr drs docteur doctor pr professeur specialites specialiste specialise ' +
    'specialisee multidisciplinaire proximite jour nouveau new dispensaire dispensary unite maison ' +
    'accouchement accouchements avec douar en medicial neurologie dialyse hemodialyse nephrologie maladies renales rein ' +
    'cardiologie cardiologue pediatrie pediatre pediatrique gynecologie gynecologue obstetrique ' +
    'ophtalmologie ophtalmologue dermatologie dermatologue generaliste mere enfant enfants ' +
    'مستشفى مركز صحي المركز الصحي مستوصف مصحة عيادة الدكتور دكتور الطبيب الحضري القروي الجماعي الإقليمي ' +
    'الاقليمي الجهوي'
  ).split(' '),
);

/** What the name says of a specialty, for a place that announces one (an eye clinic, a heart centre). */
const SPECIALTY_WORDS: [string, RegExp][] = [
  ['cardiology', /cardio/],
  ['gynecology-obstetrics', /gyn[ea]co|obstetri|accouchement|maternite/],
  ['pediatrics', /pediatr|enfant|أطفال/],
  ['ophthalmology', /ophta|vision|yeux/],
  ['dermatology', /dermato/],
  ['gastroenterology', /gastro|hepato|digesti|endoscop/],
  ['neurology', /neurolog/],
  ['urology', /\burolog/],
  ['pulmonology', /pneumo|pulmon|respirat|asthme/],
  ['endocrinology', /endocrin|diabet/],
  ['rheumatology', /rhumato|rheumato|روماتيزم/],
  ['psychiatry', /psych|\bpsy\b/],
  ['ent', /\borl\b|oto-rhino|\bnez\b|oreille/],
  ['nephrology', /dialys|nephro|nefro|renal|\brein\b/],
  ['general-practice', /generaliste|medecine generale|طب عام/],
  // announced but not among the specialties booked here: nobody of ours sits there
  ['-', /oncolog|chirurg|chirug|orthoped|traumato|cancer|sport|\bos\b|neurochir|جراحة|جلراحة|العظام/],
];

/** The kind of care place a facility is, or undefined when a physician would not consult there. */
export function carePlaceKind(facility: Pick<Facility, 'name' | 'kind'>): CarePlaceKind | undefined {
  const name = fold(facility.name.trim());
  if (!name || NOT_A_CARE_PLACE.test(name)) return undefined;
  const kind = KIND_WORDS.find(([, words]) => words.test(name))?.[0];
  if (!kind) return undefined;
  const own = name
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w && !GENERIC.has(w) && !/^\d+$/.test(w))
    .join('');
  return own.length >= 3 ? kind : undefined;
}

/** The specialties a place announces in its name (none: it takes any it is fit for). */
export function announcedSpecialties(name: string): string[] {
  const folded = fold(name);
  return SPECIALTY_WORDS.filter(([, words]) => words.test(folded)).map(([key]) => key);
}

/**
 * Whether a physician of `specialty` plausibly consults at this place: a nephrologist at a hospital,
 * a clinic or a dialysis centre (and only nephrologists at a dialysis centre); at a health centre
 * the primary-care specialties; a place that announces specialties takes only those.
 */
export function mayConsultAt(specialty: string, facility: Pick<Facility, 'name' | 'kind'>): boolean {
  const kind = carePlaceKind(facility);
  if (!kind) return false;
  if (kind === 'dialysis') return specialty === 'nephrology';
  if (specialty === 'nephrology' && kind !== 'hospital' && kind !== 'clinic') return false;
  if (
    kind === 'health_centre' &&
    !['general-practice', 'pediatrics', 'gynecology-obstetrics'].includes(specialty)
  )
    return false;
  const announced = announcedSpecialties(facility.name);
  return announced.length === 0 || announced.includes(specialty);
}
