/**
 * Common Moroccan names, in the Latin (French-style) spellings used on the CNIE and in records, and
 * in Arabic script. Several Latin spellings map to one Arabic name (Mohammed / Mohamed → محمد;
 * El Amrani / Amrani / Al Amrani → العمراني): transliteration variants are what patient matching
 * has to cope with, so the demo deliberately contains them.
 *
 * Format: "Latin variant|Latin variant=Arabic".
 */
import type { HumanName } from '@medplum/fhirtypes';
import type { Random } from './random.ts';

export interface MoroccanName {
  /** Latin spelling variants; the first is the most common. */
  latin: readonly string[];
  arabic: string;
}

function parse(entries: readonly string[]): MoroccanName[] {
  return entries.map((entry) => {
    const [latin = '', arabic = ''] = entry.split('=');
    return { latin: latin.split('|'), arabic };
  });
}

export const MALE_GIVEN_NAMES: readonly MoroccanName[] = parse([
  // By far the most common name: listed three times so it is drawn as often as in real life.
  'Mohammed|Mohamed|Mohamed=محمد',
  'Mohammed|Mohamed|Mohamed=محمد',
  'Mohammed|Mohamed|Mohamed=محمد',
  'Mhamed=امحمد',
  'Ahmed|Ahmad=أحمد',
  'Youssef|Youssouf=يوسف',
  'Amine=أمين',
  'Hamza=حمزة',
  'Omar=عمر',
  'Othmane|Otmane=عثمان',
  'Mehdi=مهدي',
  'Ayoub=أيوب',
  'Karim=كريم',
  'Rachid=رشيد',
  'Abdellah|Abdallah=عبد الله',
  'Abderrahim=عبد الرحيم',
  'Said|Saïd=سعيد',
  'Hassan=حسن',
  'Hicham=هشام',
  'Khalid|Khaled=خالد',
  'Ismail|Smail=إسماعيل',
  'Anas=أنس',
  'Driss|Idriss=إدريس',
  'Mustapha|Mostafa=مصطفى',
  'Brahim|Ibrahim=إبراهيم',
  'Lahcen=لحسن',
  'Adam=آدم',
  'Ilyas|Ilias=إلياس',
  'Yassine=ياسين',
  'Abdelaziz=عبد العزيز',
]);

export const FEMALE_GIVEN_NAMES: readonly MoroccanName[] = parse([
  'Fatima Zahra|Fatima-Zahra|Fatimazahra=فاطمة الزهراء',
  'Fatima|Fatema=فاطمة',
  'Khadija=خديجة',
  'Salma=سلمى',
  'Imane|Iman=إيمان',
  'Aicha|Aïcha=عائشة',
  'Meryem|Maryam|Meriem=مريم',
  'Nadia=نادية',
  'Samira=سميرة',
  'Hanane=حنان',
  'Zineb|Zaynab=زينب',
  'Sanae=سناء',
  'Houda=هدى',
  'Latifa=لطيفة',
  'Naima|Naïma=نعيمة',
  'Hajar=هاجر',
  'Malika=مليكة',
  'Rachida=رشيدة',
  'Asmae|Asma=أسماء',
  'Siham=سهام',
  'Ghizlane=غزلان',
  'Nouhaila=نهيلة',
  'Yasmine=ياسمين',
  'Kawtar|Kaoutar=كوثر',
  'Soukaina=سكينة',
  'Hind=هند',
]);

export const FAMILY_NAMES: readonly MoroccanName[] = parse([
  'Alaoui|El Alaoui=العلوي',
  'Benali|Ben Ali=بنعلي',
  'El Idrissi|Idrissi|Al Idrissi=الإدريسي',
  'Tazi=التازي',
  'Bennani=بناني',
  'Berrada=برادة',
  'Cherkaoui|Charkaoui=الشرقاوي',
  'Ouazzani|El Ouazzani=الوزاني',
  'El Amrani|Amrani|Al Amrani=العمراني',
  'El Fassi|Fassi|Al Fassi=الفاسي',
  'Naciri|Nassiri=الناصري',
  'Lahlou=لحلو',
  'Chraibi=الشرايبي',
  'Kettani|El Kettani=الكتاني',
  'Bouzidi|El Bouzidi=البوزيدي',
  'Ait Ouahmane=آيت واحمان',
  'Ouali|El Ouali=الوالي',
  'Benjelloun=بنجلون',
  'Sefrioui=الصفريوي',
  'El Mansouri|Mansouri=المنصوري',
  'Ziani=الزياني',
  'Haddad|El Haddad=الحداد',
  'Belhaj=بلحاج',
  'Benkirane=بنكيران',
  'Slaoui=السلاوي',
  'Filali|El Filali=الفيلالي',
  'Soussi|El Soussi=السوسي',
  'Zerouali=الزروالي',
  'Bakkali|El Bakkali=البقالي',
  'Touhami|Touhamy=التهامي',
  'El Ghazi|Ghazi=الغازي',
  'Ait Benhaddou=آيت بن حدو',
  'Moutawakil|El Moutawakil=المتوكل',
  'Rifi|El Rifi=الريفي',
]);

/** Synthetic street lines (urban) and douar names (rural) for patient addresses. */
export const STREETS: readonly string[] = [
  'Avenue Mohammed V',
  'Boulevard Hassan II',
  'Rue Ibn Battouta',
  'Rue Al Massira',
  'Avenue des FAR',
  'Rue Ibn Sina',
  'Boulevard Zerktouni',
  'Rue Oued Sebou',
  'Hay Al Qods',
  'Hay Salam',
  'Lotissement Al Wifaq',
  'Rue Moulay Ismail',
];

export const DOUARS: readonly string[] = [
  'Douar Laayoun',
  'Douar Oulad Ali',
  'Douar Ait Brahim',
  'Douar Lkhemis',
  'Douar Tighza',
  'Douar Sidi Bouzid',
  'Douar Oulad Said',
  'Douar Ait Hammou',
];

/**
 * A person's names as FHIR HumanNames: the Latin form as on the CNIE (`official`) and the Arabic-script
 * form (`usual`, tagged with the standard language extension so clients can render it right-to-left).
 */
export function moroccanHumanNames(
  rng: Random,
  gender: 'male' | 'female',
  prefix?: { latin: string; arabic: string },
): HumanName[] {
  const given = rng.pick(gender === 'male' ? MALE_GIVEN_NAMES : FEMALE_GIVEN_NAMES);
  const family = rng.pick(FAMILY_NAMES);
  // Mostly the common spelling, sometimes a variant: the demo needs both.
  const latinGiven = rng.chance(0.6) ? (given.latin[0] ?? '') : rng.pick(given.latin);
  const latinFamily = rng.chance(0.6) ? (family.latin[0] ?? '') : rng.pick(family.latin);
  const latinPrefix = prefix ? `${prefix.latin} ` : '';
  const arabicPrefix = prefix ? `${prefix.arabic} ` : '';
  return [
    {
      use: 'official',
      text: `${latinPrefix}${latinGiven} ${latinFamily}`,
      family: latinFamily,
      given: [latinGiven],
      ...(prefix ? { prefix: [prefix.latin] } : {}),
    },
    {
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }],
      use: 'usual',
      text: `${arabicPrefix}${given.arabic} ${family.arabic}`,
      family: family.arabic,
      given: [given.arabic],
      ...(prefix ? { prefix: [prefix.arabic] } : {}),
    },
  ];
}
