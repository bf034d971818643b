/**
 * The messages Sahti sends, in French, Arabic and English. Pure: a notification carries a template
 * key, its parameters and a language; the dispatcher renders it when it delivers. SMS send only
 * the body, so bodies stand alone and stay short.
 */
import { type Language, localeTag } from './language.ts';

export interface RenderedMessage {
  subject: string;
  body: string;
}

export type Params = Record<string, string>;
export type Render = (p: Params, language: Language) => RenderedMessage;

export interface Template {
  /** Parameters the template needs (all strings; instants as ISO 8601). */
  params: readonly string[];
  fr: Render;
  ar: Render;
  en: Render;
}

/** An instant in Morocco's time, written in the language (Latin digits in Arabic, as Morocco does). */
export function formatInstant(iso: string, language: Language): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return iso;
  return new Intl.DateTimeFormat(localeTag(language), {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'Africa/Casablanca',
    numberingSystem: 'latn',
  }).format(instant);
}

/** "N minutes" in Arabic: the counted noun changes with the number. */
function arabicMinutes(value: string): string {
  const n = Number(value);
  if (n === 1) return 'دقيقة واحدة';
  if (n === 2) return 'دقيقتين';
  if (n >= 3 && n <= 10) return `${n} دقائق`;
  return `${value} دقيقة`;
}

const TEMPLATES = {
  'break-glass': {
    params: ['practitioner', 'at', 'reason'],
    fr: (p, l) => ({
      subject: 'Sahti : accès en urgence à votre dossier',
      body:
        `${p.practitioner} a ouvert votre dossier médical en urgence le ${formatInstant(p.at, l)}.\n` +
        `Motif : ${p.reason}\n` +
        'Cet accès est enregistré et visible dans « Qui a consulté mon dossier ».',
    }),
    ar: (p, l) => ({
      subject: 'صحتي: دخول استعجالي إلى ملفك',
      body:
        `فتح ${p.practitioner} ملفك الطبي في حالة استعجال بتاريخ ${formatInstant(p.at, l)}.\n` +
        `السبب: ${p.reason}\n` +
        'هذا الدخول مسجَّل ويظهر في «من اطلع على ملفي».',
    }),
    en: (p, l) => ({
      subject: 'Sahti: emergency access to your record',
      body:
        `${p.practitioner} opened your medical record in an emergency on ${formatInstant(p.at, l)}.\n` +
        `Reason: ${p.reason}\n` +
        'This access is recorded and shown in “Who saw my record”.',
    }),
  },
  'login-code': {
    params: ['code', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : votre code de connexion',
      body: `Votre code de connexion Sahti est ${p.code} (valable ${p.minutes} minutes). Ne le communiquez à personne.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: رمز الدخول',
      body: `رمز الدخول إلى صحتي هو ${p.code} (صالح لمدة ${arabicMinutes(p.minutes)}). لا تُطلع عليه أحدًا.`,
    }),
    en: (p) => ({
      subject: 'Sahti: your login code',
      body: `Your Sahti login code is ${p.code} (valid for ${p.minutes} minutes). Do not share it with anyone.`,
    }),
  },
  'confirmation-code': {
    params: ['code', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : code de confirmation',
      body: `Sahti : votre code de confirmation est ${p.code} (valable ${p.minutes} minutes). Ne le communiquez à personne.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: رمز التأكيد',
      body: `صحتي: رمز التأكيد الخاص بك هو ${p.code} (صالح لمدة ${arabicMinutes(p.minutes)}). لا تُطلع عليه أحدًا.`,
    }),
    en: (p) => ({
      subject: 'Sahti: confirmation code',
      body: `Sahti: your confirmation code is ${p.code} (valid for ${p.minutes} minutes). Do not share it with anyone.`,
    }),
  },
  'contact-change-code': {
    params: ['field', 'code', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : confirmez votre nouvelle adresse e-mail',
      body:
        `Sahti : pour que ${p.field === 'phone' ? 'ce numéro devienne le vôtre' : 'cette adresse devienne la vôtre'}, ` +
        `saisissez le code ${p.code} (valable ${p.minutes} minutes). Ne le communiquez à personne. ` +
        'Si vous n’avez rien demandé, ignorez ce message.',
    }),
    ar: (p) => ({
      subject: 'صحتي: أكِّد بريدك الإلكتروني الجديد',
      body:
        `صحتي: لتأكيد ${p.field === 'phone' ? 'رقم هاتفك الجديد' : 'بريدك الإلكتروني الجديد'}، ` +
        `أدخل الرمز ${p.code} (صالح لمدة ${arabicMinutes(p.minutes)}). لا تُطلع عليه أحدًا. ` +
        'إذا لم تطلب ذلك، تجاهل هذه الرسالة.',
    }),
    en: (p) => ({
      subject: 'Sahti: confirm your new email address',
      body:
        `Sahti: to make this ${p.field === 'phone' ? 'number' : 'address'} yours, enter the code ${p.code} ` +
        `(valid for ${p.minutes} minutes). Do not share it with anyone. If you did not ask for this, ignore this message.`,
    }),
  },
  // to the address being replaced or removed: no code, only the news and what to do if it was not them
  'contact-change-notice': {
    params: ['field', 'to', 'at'],
    fr: (p, l) => ({
      subject: 'Sahti : changement de vos coordonnées',
      body:
        `Le ${formatInstant(p.at, l)}, ${
          p.to
            ? `il a été demandé de remplacer ${p.field === 'phone' ? 'votre numéro' : 'votre adresse e-mail'} Sahti par ${p.to} (le changement se fera une fois le code envoyé à ${p.field === 'phone' ? 'ce numéro' : 'cette adresse'} saisi).`
            : `${p.field === 'phone' ? 'votre numéro a été retiré' : 'votre adresse e-mail a été retirée'} de votre compte Sahti.`
        }
` + 'Si ce n’est pas vous, changez votre mot de passe et vérifiez vos coordonnées dans Sahti.',
    }),
    ar: (p, l) => ({
      subject: 'صحتي: تغيير معلومات الاتصال',
      body:
        `بتاريخ ${formatInstant(p.at, l)}، ${
          p.to
            ? `طُلب تغيير ${p.field === 'phone' ? 'رقم هاتفك' : 'بريدك الإلكتروني'} في صحتي إلى ${p.to} (يتم التغيير بعد إدخال الرمز المرسل إليه).`
            : `حُذف ${p.field === 'phone' ? 'رقم هاتفك' : 'بريدك الإلكتروني'} من حسابك في صحتي.`
        }
` + 'إذا لم تكن أنت، غيِّر كلمة المرور وتحقق من معلومات الاتصال في صحتي.',
    }),
    en: (p, l) => ({
      subject: 'Sahti: your contact details are changing',
      body:
        `On ${formatInstant(p.at, l)}, ${
          p.to
            ? `someone asked to replace your Sahti ${p.field === 'phone' ? 'phone number' : 'email address'} with ${p.to} (it changes once the code sent there is entered).`
            : `your ${p.field === 'phone' ? 'phone number' : 'email address'} was removed from your Sahti account.`
        }
` + 'If this was not you, change your password and check your contact details in Sahti.',
    }),
  },
  // to an address the care team (or a system client) took off the patient's record: no code
  'contact-changed-by-care-team': {
    params: ['field', 'to', 'at'],
    fr: (p, l) => {
      const phone = p.field === 'phone';
      const what = phone ? 'votre numéro enregistré' : 'votre adresse e-mail enregistrée';
      const e = phone ? '' : 'e';
      return {
        subject: 'Sahti : vos coordonnées ont été modifiées',
        body:
          `Le ${formatInstant(p.at, l)}, ${what} dans votre dossier Sahti a été ${
            p.to ? `remplacé${e} par ${p.to}` : `retiré${e}`
          } par votre équipe de soins. Les messages de Sahti (rendez-vous, accès à votre dossier) n’y arrivent plus.\n` +
          'Si vous ne l’avez pas demandé, signalez-le à votre soignant et vérifiez vos coordonnées dans Sahti.',
      };
    },
    ar: (p, l) => {
      const what = p.field === 'phone' ? 'رقم هاتفك' : 'بريدك الإلكتروني';
      return {
        subject: 'صحتي: تم تغيير معلومات الاتصال',
        body:
          `بتاريخ ${formatInstant(p.at, l)}، ${
            p.to
              ? `غيّر فريق الرعاية ${what} المسجل في ملفك في صحتي إلى ${p.to}`
              : `حذف فريق الرعاية ${what} من ملفك في صحتي`
          }. لن تصل رسائل صحتي (المواعيد، الاطلاع على ملفك) إليه بعد الآن.\n` +
          'إذا لم تطلب ذلك، أبلغ المعالج وتحقق من معلومات الاتصال في صحتي.',
      };
    },
    en: (p, l) => {
      const what = p.field === 'phone' ? 'phone number' : 'email address';
      return {
        subject: 'Sahti: your contact details were changed',
        body:
          `On ${formatInstant(p.at, l)}, your care team ${
            p.to
              ? `replaced the ${what} in your Sahti record with ${p.to}`
              : `removed the ${what} from your Sahti record`
          }. Sahti's messages (appointments, access to your record) no longer go to it.\n` +
          'If you did not ask for this, tell your caregiver and check your contact details in Sahti.',
      };
    },
  },
  'presence-code': {
    params: ['practitioner', 'code', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : code de consultation',
      body:
        `Code Sahti : ${p.code}\n${p.practitioner} demande à ouvrir votre dossier pendant votre consultation. ` +
        `Ne donnez ce code que si vous êtes en face de ce soignant. Valable ${p.minutes} min.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: رمز الاستشارة',
      body:
        `رمز صحتي: ${p.code}\nيطلب ${p.practitioner} فتح ملفك خلال استشارتك. ` +
        `لا تُعطِ هذا الرمز إلا إذا كنت أمام هذا المعالج. صالح لمدة ${arabicMinutes(p.minutes)}.`,
    }),
    en: (p) => ({
      subject: 'Sahti: consultation code',
      body:
        `Sahti code: ${p.code}\n${p.practitioner} asks to open your record during your consultation. ` +
        `Only give this code if you are with this caregiver. Valid for ${p.minutes} min.`,
    }),
  },
  'password-reset': {
    params: ['link', 'minutes'],
    fr: (p) => ({
      subject: 'Sahti : choisir un nouveau mot de passe',
      body:
        `Pour choisir un nouveau mot de passe, ouvrez ce lien (valable ${p.minutes} minutes, une seule fois) :\n` +
        `${p.link}\n\nSi vous n’avez rien demandé, ignorez ce message.`,
    }),
    ar: (p) => ({
      subject: 'صحتي: اختيار كلمة مرور جديدة',
      body:
        `لاختيار كلمة مرور جديدة، افتح هذا الرابط (صالح لمدة ${arabicMinutes(p.minutes)}، لمرة واحدة):\n` +
        `${p.link}\n\nإذا لم تطلب ذلك، تجاهل هذه الرسالة.`,
    }),
    en: (p) => ({
      subject: 'Sahti: choose a new password',
      body:
        `To choose a new password, open this link (valid for ${p.minutes} minutes, once):\n` +
        `${p.link}\n\nIf you did not ask for this, ignore this message.`,
    }),
  },
} satisfies Record<string, Template>;

/** The platform's own templates' keys; modules add theirs with registerTemplates. */
export type TemplateKey = keyof typeof TEMPLATES | (string & {});

/** Templates modules bring (appointment reminders, prescription notices…), by key. */
const registered = new Map<string, Template>();

/** A module's templates; a key is registered once (the same object again is accepted). */
export function registerTemplates(templates: Record<string, Template>): void {
  for (const [key, template] of Object.entries(templates)) {
    const existing =
      registered.get(key) ??
      (Object.hasOwn(TEMPLATES, key) ? TEMPLATES[key as keyof typeof TEMPLATES] : undefined);
    if (existing && existing !== template)
      throw new Error(`notification template "${key}" is already defined`);
    registered.set(key, template);
  }
}

function templateOf(key: string): Template | undefined {
  return Object.hasOwn(TEMPLATES, key) ? TEMPLATES[key as keyof typeof TEMPLATES] : registered.get(key);
}

export function isTemplateKey(value: unknown): value is TemplateKey {
  return typeof value === 'string' && templateOf(value) !== undefined;
}

/** Throws when the key is unknown or a parameter is missing: a caller's mistake, found at enqueue. */
export function checkTemplate(key: string, params: Record<string, unknown> | undefined): void {
  const template = templateOf(key);
  if (!template) throw new Error(`no notification template "${key}"`);
  const missing = template.params.filter((name) => params?.[name] === undefined || params[name] === null);
  if (missing.length > 0) throw new Error(`template "${key}" needs ${missing.join(', ')}`);
}

export function renderTemplate(
  key: string,
  language: Language,
  params: Record<string, unknown> | null | undefined,
): RenderedMessage {
  checkTemplate(key, params ?? undefined);
  const strings: Params = {};
  for (const [name, value] of Object.entries(params ?? {})) strings[name] = String(value);
  return (templateOf(key) as Template)[language](strings, language);
}
