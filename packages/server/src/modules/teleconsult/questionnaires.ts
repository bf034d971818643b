/**
 * The two questionnaires of a teleconsultation, kept as FHIR Questionnaires (shared definitions,
 * readable by anyone signed in) and answered as QuestionnaireResponses in the patient's record:
 *
 * - consent: what law 131-13 and decree 2-18-378 require before a remote act — the patient is
 *   informed that the consultation happens at a distance, what is recorded, and agrees. Kept as a
 *   QuestionnaireResponse rather than a Consent because Consents are the patient's *sharing rules*
 *   in the access layer (docs/security.md); a treatment consent there would be read as a share.
 * - satisfaction: a short survey after the consultation, for the indicators.
 * Pure.
 */
import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';

export const CONSENT_QUESTIONNAIRE = 'https://sahti.ma/fhir/Questionnaire/teleconsultation-consent';
export const SATISFACTION_QUESTIONNAIRE = 'https://sahti.ma/fhir/Questionnaire/teleconsultation-satisfaction';
/** One satisfaction answer per Encounter: the identifier makes a second one a conflict. */
export const SATISFACTION_IDENTIFIER = 'https://sahti.ma/fhir/NamingSystem/teleconsultation-satisfaction';
export const CONSENT_IDENTIFIER = 'https://sahti.ma/fhir/NamingSystem/teleconsultation-consent';

const VERSION = '1';

export const consentQuestionnaire: Questionnaire = {
  resourceType: 'Questionnaire',
  id: 'teleconsultation-consent',
  url: CONSENT_QUESTIONNAIRE,
  version: VERSION,
  name: 'TeleconsultationConsent',
  title: 'Consentement à la téléconsultation',
  status: 'active',
  subjectType: ['Patient'],
  item: [
    {
      linkId: 'remote',
      type: 'boolean',
      required: true,
      text: 'J’ai compris que cette consultation se fait à distance, par vidéo, et que le médecin peut me demander de consulter en présentiel.',
    },
    {
      linkId: 'record',
      type: 'boolean',
      required: true,
      text: 'J’ai compris que le compte rendu, les documents échangés et l’ordonnance sont enregistrés dans mon dossier ; l’appel n’est pas enregistré.',
    },
    {
      linkId: 'agree',
      type: 'boolean',
      required: true,
      text: 'Je consens à cette téléconsultation.',
    },
  ],
};

export const satisfactionQuestionnaire: Questionnaire = {
  resourceType: 'Questionnaire',
  id: 'teleconsultation-satisfaction',
  url: SATISFACTION_QUESTIONNAIRE,
  version: VERSION,
  name: 'TeleconsultationSatisfaction',
  title: 'Votre avis sur la téléconsultation',
  status: 'active',
  subjectType: ['Patient'],
  item: [
    { linkId: 'overall', type: 'integer', required: true, text: 'Note globale (1 à 5)' },
    { linkId: 'quality', type: 'integer', required: true, text: 'Qualité de l’image et du son (1 à 5)' },
    {
      linkId: 'recommend',
      type: 'boolean',
      required: true,
      text: 'Recommanderiez-vous la téléconsultation ?',
    },
    { linkId: 'comment', type: 'string', required: false, text: 'Un commentaire ?' },
  ],
};

export interface ConsentAnswers {
  remote: boolean;
  record: boolean;
  agree: boolean;
}

export function consentProblem(body: unknown): string | undefined {
  const b = (body ?? {}) as Record<string, unknown>;
  for (const key of ['remote', 'record', 'agree'] as const) {
    if (b[key] !== true) return `${key}: the patient must accept this point to join the consultation`;
  }
  return undefined;
}

export function consentResponse(input: {
  patientId: string;
  appointmentId: string;
  encounterRef: string;
  now: Date;
}): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: CONSENT_IDENTIFIER, value: input.appointmentId },
    questionnaire: `${CONSENT_QUESTIONNAIRE}|${VERSION}`,
    status: 'completed',
    subject: { reference: `Patient/${input.patientId}` },
    encounter: { reference: input.encounterRef },
    authored: input.now.toISOString(),
    author: { reference: `Patient/${input.patientId}` },
    source: { reference: `Patient/${input.patientId}` },
    item: (consentQuestionnaire.item ?? []).map((q) => ({
      linkId: q.linkId,
      text: q.text,
      answer: [{ valueBoolean: true }],
    })),
  };
}

export interface SatisfactionAnswers {
  overall: number;
  quality: number;
  recommend: boolean;
  comment?: string;
}

export function satisfactionAnswers(body: unknown): SatisfactionAnswers | string {
  const b = (body ?? {}) as Record<string, unknown>;
  const score = (key: string) => {
    const v = b[key];
    return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5 ? v : undefined;
  };
  const overall = score('overall');
  const quality = score('quality');
  if (overall === undefined) return 'overall: give a whole number from 1 to 5';
  if (quality === undefined) return 'quality: give a whole number from 1 to 5';
  if (typeof b.recommend !== 'boolean') return 'recommend: answer yes or no';
  if (b.comment !== undefined && (typeof b.comment !== 'string' || b.comment.length > 1000))
    return 'comment: at most 1000 characters';
  const comment = typeof b.comment === 'string' && b.comment.trim() ? b.comment.trim() : undefined;
  return { overall, quality, recommend: b.recommend, ...(comment ? { comment } : {}) };
}

export function satisfactionResponse(input: {
  answers: SatisfactionAnswers;
  patientId: string;
  encounterId: string;
  now: Date;
}): QuestionnaireResponse {
  const { answers } = input;
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: SATISFACTION_IDENTIFIER, value: input.encounterId },
    questionnaire: `${SATISFACTION_QUESTIONNAIRE}|${VERSION}`,
    status: 'completed',
    subject: { reference: `Patient/${input.patientId}` },
    encounter: { reference: `Encounter/${input.encounterId}` },
    authored: input.now.toISOString(),
    author: { reference: `Patient/${input.patientId}` },
    source: { reference: `Patient/${input.patientId}` },
    item: [
      { linkId: 'overall', answer: [{ valueInteger: answers.overall }] },
      { linkId: 'quality', answer: [{ valueInteger: answers.quality }] },
      { linkId: 'recommend', answer: [{ valueBoolean: answers.recommend }] },
      ...(answers.comment ? [{ linkId: 'comment', answer: [{ valueString: answers.comment }] }] : []),
    ],
  };
}
