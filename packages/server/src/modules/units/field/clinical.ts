/**
 * The clinical records of the field app beyond vitals, checked before a sync runs. Pure. Shapes (R4):
 *  - ECG strip: an Observation coded LOINC 11524-6 "EKG study" with `valueSampledData` (origin,
 *    period in ms, dimensions = leads, data = the samples interleaved by lead) and `device` = the
 *    unit's ECG Device;
 *  - ECG as a PDF: R4's Observation.value[x] has no Attachment, and Media is for images, sound and
 *    video — a PDF report is a document, so a DocumentReference (type 11524-6, author = the GP and
 *    the ECG Device, the PDF as its attachment) plus the ECG Observation with `derivedFrom` = that
 *    DocumentReference and `device`, so every ECG is found the same way (Observation?code=11524-6);
 *  - a photo: a Media (type image) with the picture as its `content`, `device` = the unit's camera;
 *  - a referral: a ServiceRequest of category referral (SNOMED 3457005; R4 has no `referral`
 *    intent, so intent `order`) to a facility of the directory, with reason and priority;
 *  - a prescription: MedicationRequest drafts, checked by the prescriptions service (its write hook).
 * Attachments travel base64 in the bundle, each at most `attachmentMaxBytes` once decoded.
 */
import type {
  Bundle,
  BundleEntry,
  DocumentReference,
  Media,
  Observation,
  ServiceRequest,
} from '@medplum/fhirtypes';

export const LOINC = 'http://loinc.org';
export const ECG_CODE = '11524-6';
export const REFERRAL_CATEGORY = {
  system: 'http://snomed.info/sct',
  code: '3457005',
  display: 'Patient referral',
};
const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'];
const IMAGE_TYPES: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/webp': (b) =>
    b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
const isPdf = (b: Buffer) => b.subarray(0, 5).toString('latin1') === '%PDF-';
/** SampledData.data: decimals, or E (error), L / U (below / above the detection limits). */
const SAMPLE = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|E|L|U)$/;
const MAX_LEADS = 12;

export interface Problem {
  field: string;
  message: string;
}

const hasCode = (
  c: { coding?: { system?: string; code?: string }[] } | undefined,
  system: string,
  code: string,
) => Boolean(c?.coding?.some((x) => x.system === system && x.code === code));

export const isEcg = (o: Observation): boolean => hasCode(o.code, LOINC, ECG_CODE);
export const isReferral = (s: ServiceRequest): boolean =>
  Boolean(s.category?.some((c) => hasCode(c, REFERRAL_CATEGORY.system, REFERRAL_CATEGORY.code)));

const megabytes = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function attachmentProblem(
  field: string,
  attachment: { contentType?: string; data?: string } | undefined,
  accepted: Record<string, (b: Buffer) => boolean>,
  maxBytes: number,
): Problem | undefined {
  const check = attachment?.contentType ? accepted[attachment.contentType] : undefined;
  if (!check)
    return { field: `${field}.contentType`, message: `Accepted: ${Object.keys(accepted).join(', ')}` };
  if (typeof attachment?.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(attachment.data))
    return { field: `${field}.data`, message: 'The file, base64-encoded' };
  // decoded size without decoding a file that may be far too large
  const bytes =
    Math.floor((attachment.data.length * 3) / 4) - (attachment.data.match(/=+$/)?.[0].length ?? 0);
  if (bytes > maxBytes)
    return {
      field: `${field}.data`,
      message: `The file is ${megabytes(bytes)}: at most ${megabytes(maxBytes)} — take the picture again at a lower size`,
    };
  if (!check(Buffer.from(attachment.data.slice(0, 24), 'base64')))
    return { field: `${field}.data`, message: `The file is not a ${attachment.contentType}` };
  return undefined;
}

function ecgProblems(key: string, o: Observation): Problem[] {
  const out: Problem[] = [];
  if (!o.device?.reference?.startsWith('Device/'))
    out.push({ field: `${key}.device`, message: 'An ECG names the unit’s ECG device that recorded it' });
  const s = o.valueSampledData;
  if (s) {
    if (typeof s.origin?.value !== 'number')
      out.push({ field: `${key}.valueSampledData.origin`, message: 'The baseline value (origin)' });
    if (!(typeof s.period === 'number' && s.period > 0))
      out.push({ field: `${key}.valueSampledData.period`, message: 'Milliseconds between samples, above 0' });
    if (!Number.isInteger(s.dimensions) || s.dimensions < 1 || s.dimensions > MAX_LEADS)
      out.push({
        field: `${key}.valueSampledData.dimensions`,
        message: `The number of leads, 1 to ${MAX_LEADS}`,
      });
    const samples = typeof s.data === 'string' ? s.data.trim().split(/\s+/) : [];
    if (samples.length < 2 || !samples.every((x) => SAMPLE.test(x)))
      out.push({
        field: `${key}.valueSampledData.data`,
        message: 'Samples separated by spaces (numbers, E, L or U)',
      });
    else if (Number.isInteger(s.dimensions) && samples.length % s.dimensions !== 0)
      out.push({
        field: `${key}.valueSampledData.data`,
        message: `${samples.length} samples do not make whole rows of ${s.dimensions} leads`,
      });
  } else if (!o.derivedFrom?.some((d) => d.reference))
    out.push({
      field: `${key}.valueSampledData`,
      message: 'The ECG’s samples, or the PDF it comes from (derivedFrom)',
    });
  return out;
}

function referralProblems(key: string, s: ServiceRequest): Problem[] {
  const out: Problem[] = [];
  if (
    s.performer?.length !== 1 ||
    !/^Organization\/[A-Za-z0-9\-.]{1,64}$/.test(s.performer[0].reference ?? '')
  )
    out.push({ field: `${key}.performer`, message: 'Choose the facility the patient is referred to' });
  if (!PRIORITIES.includes(s.priority ?? ''))
    out.push({ field: `${key}.priority`, message: `Urgency: ${PRIORITIES.join(', ')}` });
  const reason = s.reasonCode?.[0]?.text ?? '';
  if (reason.trim().length < 5 || reason.length > 1000)
    out.push({
      field: `${key}.reasonCode`,
      message: 'Say why the patient is referred (5 to 1,000 characters)',
    });
  if (!s.encounter?.reference)
    out.push({ field: `${key}.encounter`, message: 'The consultation it comes from' });
  return out;
}

/**
 * The entries that write a record: a POST, and a PUT too (which creates a record under an id, or
 * edits one) — whatever the method, a resource a sync carries is checked the same way.
 */
const writes = (e: BundleEntry): boolean => Boolean(e.resource) && e.request?.method !== 'DELETE';

/** Problems of the ECGs, documents, photos and referrals a sync bundle writes. */
export function clinicalRecordProblems(bundle: Bundle, limits: { attachmentMaxBytes: number }): Problem[] {
  const out: Problem[] = [];
  (bundle.entry ?? []).forEach((e: BundleEntry, i) => {
    if (!writes(e) || !e.resource) return;
    const key = e.fullUrl ?? `entry/${i}`;
    const r = e.resource;
    if (r.resourceType === 'Observation' && isEcg(r)) out.push(...ecgProblems(key, r));
    if (r.resourceType === 'Media') {
      const m = r as Media;
      const p = attachmentProblem(`${key}.content`, m.content, IMAGE_TYPES, limits.attachmentMaxBytes);
      if (p) out.push(p);
      if (!m.subject?.reference) out.push({ field: `${key}.subject`, message: 'The patient in the picture' });
      if (!m.encounter?.reference)
        out.push({ field: `${key}.encounter`, message: 'The consultation it was taken at' });
    }
    if (r.resourceType === 'DocumentReference') {
      // every attachment it carries, not the first only
      const contents = (r as DocumentReference).content ?? [];
      contents.forEach((c, j) => {
        const p = attachmentProblem(
          `${key}.content[${j}].attachment`,
          c.attachment,
          { 'application/pdf': isPdf },
          limits.attachmentMaxBytes,
        );
        if (p) out.push(p);
      });
      if (contents.length === 0) out.push({ field: `${key}.content`, message: 'A document carries its PDF' });
    }
    if (r.resourceType === 'ServiceRequest' && isReferral(r)) out.push(...referralProblems(key, r));
  });
  return out;
}

/** The Devices written records name (an Observation's or a Media's device, a document's author). */
export function devicesNamed(bundle: Bundle): string[] {
  const refs = new Set<string>();
  for (const e of bundle.entry ?? []) {
    if (!writes(e)) continue;
    const r = e.resource as
      | { device?: { reference?: string }; author?: { reference?: string }[] }
      | undefined;
    for (const ref of [r?.device?.reference, ...(r?.author ?? []).map((a) => a.reference)])
      if (ref?.startsWith('Device/')) refs.add(ref);
  }
  return [...refs];
}

/** The facilities written referrals name. */
export function referralTargets(bundle: Bundle): string[] {
  const refs = new Set<string>();
  for (const e of bundle.entry ?? [])
    if (writes(e) && e.resource?.resourceType === 'ServiceRequest' && isReferral(e.resource))
      for (const p of e.resource.performer ?? []) if (p.reference) refs.add(p.reference);
  return [...refs];
}
