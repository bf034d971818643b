/**
 * The printable prescription (A5 PDF, French or Arabic) with a QR code to the public verification
 * page. Fonts are shipped in npm packages (Noto Sans, Noto Naskh Arabic); pdfkit's font engine
 * shapes Arabic letters but does not order the words of a right-to-left line, so Arabic lines are
 * laid out here word by word from the right edge, Latin runs (medicine names, numbers) kept whole.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MedicationRequest } from '@medplum/fhirtypes';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { groupedCode } from './code.ts';

const require = createRequire(import.meta.url);
const font = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const FONTS = {
  latin: font('@expo-google-fonts/noto-sans', '400Regular/NotoSans_400Regular.ttf'),
  latinBold: font('@expo-google-fonts/noto-sans', '700Bold/NotoSans_700Bold.ttf'),
  arabic: font('@expo-google-fonts/noto-naskh-arabic', '400Regular/NotoNaskhArabic_400Regular.ttf'),
  arabicBold: font('@expo-google-fonts/noto-naskh-arabic', '700Bold/NotoNaskhArabic_700Bold.ttf'),
};

export type PdfLanguage = 'fr' | 'ar';

export interface PrintablePrescription {
  code: string;
  issued: string;
  /** The end of the period in which it may be dispensed. */
  validUntil: string;
  status: string;
  requests: MedicationRequest[];
  patient: { name: string; birthDate?: string };
  prescriber: { name: string; inpe?: string };
  verifyUrl: string;
}

const LABELS = {
  fr: {
    title: 'Ordonnance',
    prescriber: 'Prescripteur',
    inpe: 'INPE',
    patient: 'Patient',
    born: 'né(e) le',
    date: 'Date',
    validUntil: 'Valable jusqu’au',
    quantity: (n: number) => `${n} boîte${n > 1 ? 's' : ''}`,
    duration: (n: number) => `pendant ${n} jour${n > 1 ? 's' : ''}`,
    noSubstitution: 'Non substituable',
    note: 'Remarque',
    signed: 'Ordonnance signée électroniquement par le prescripteur (JWS ES256).',
    verify: 'Vérification par le pharmacien : scannez le code QR ou saisissez le code sur',
    code: 'Code',
    revoked: 'ANNULÉE PAR LE PRESCRIPTEUR',
    dispensed: 'DÉJÀ DÉLIVRÉE',
    expired: 'PÉRIMÉE : NE PLUS DÉLIVRER',
  },
  ar: {
    title: 'وصفة طبية',
    prescriber: 'الطبيب',
    inpe: 'INPE',
    patient: 'المريض',
    born: 'تاريخ الازدياد',
    date: 'التاريخ',
    validUntil: 'صالحة إلى غاية',
    quantity: (n: number) => `${n} ${n === 1 ? 'علبة' : n === 2 ? 'علبتان' : n <= 10 ? 'علب' : 'علبة'}`,
    duration: (n: number) => `لمدة ${n} ${n === 1 ? 'يوم' : n === 2 ? 'يومين' : n <= 10 ? 'أيام' : 'يوما'}`,
    noSubstitution: 'غير قابل للاستبدال',
    note: 'ملاحظة',
    signed: 'وصفة موقعة إلكترونيا من طرف الطبيب',
    verify: 'للتحقق من طرف الصيدلي: امسح رمز QR أو أدخل الرمز في',
    code: 'الرمز',
    revoked: 'ألغاها الطبيب',
    dispensed: 'سبق صرفها',
    expired: 'انتهت صلاحيتها: لا تصرف',
  },
} as const;

const ARABIC = /[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]/;

type Doc = InstanceType<typeof PDFDocument>;

/**
 * Draws right-to-left text ending at `right`, wrapped within `maxWidth`; Latin runs stay
 * left-to-right and whole. Returns the height used.
 */
export function rtlLine(
  doc: Doc,
  text: string,
  right: number,
  y: number,
  size: number,
  bold = false,
  maxWidth = Number.POSITIVE_INFINITY,
): number {
  const words = text.split(/\s+/).filter(Boolean);
  // group consecutive non-Arabic words into one left-to-right run
  const runs: { text: string; arabic: boolean }[] = [];
  for (const w of words) {
    const arabic = ARABIC.test(w);
    const last = runs.at(-1);
    if (last && !last.arabic && !arabic) last.text += ` ${w}`;
    else runs.push({ text: w, arabic });
  }
  const lineHeight = size * 1.6;
  let x = right;
  let top = y;
  for (const run of runs) {
    const face = run.arabic ? (bold ? 'arabicBold' : 'arabic') : bold ? 'latinBold' : 'latin';
    doc.font(face).fontSize(size);
    const width = doc.widthOfString(run.text);
    if (x < right && right - (x - width) > maxWidth) {
      x = right;
      top += lineHeight;
    }
    x -= width;
    doc.text(run.text, x, top, { lineBreak: false });
    x -= doc.widthOfString(' ');
  }
  return top - y + lineHeight;
}

export async function prescriptionPdf(p: PrintablePrescription, language: PdfLanguage): Promise<Buffer> {
  const L = LABELS[language];
  const rtl = language === 'ar';
  const doc = new PDFDocument({
    size: 'A5',
    margin: 36,
    info: { Title: `${LABELS.fr.title} ${groupedCode(p.code)}`, Author: p.prescriber.name, Creator: 'Sahti' },
  });
  for (const [name, path] of Object.entries(FONTS)) doc.registerFont(name, path);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));

  const left = doc.page.margins.left;
  const right = doc.page.width - doc.page.margins.right;
  const width = right - left;
  let y = doc.page.margins.top;
  const inMorocco = new Intl.DateTimeFormat(rtl ? 'ar-MA' : 'fr-MA', {
    dateStyle: 'long',
    timeZone: 'Africa/Casablanca',
    numberingSystem: 'latn',
  });
  const date = inMorocco.format(new Date(p.issued));
  const until = inMorocco.format(new Date(p.validUntil));
  const birth = p.patient.birthDate
    ? new Intl.DateTimeFormat(rtl ? 'ar-MA' : 'fr-MA', {
        dateStyle: 'long',
        numberingSystem: 'latn',
        timeZone: 'UTC',
      }).format(new Date(p.patient.birthDate))
    : undefined;

  /** A line in the document's direction. */
  const line = (text: string, size: number, bold = false, gap = 1.5) => {
    if (rtl) y += rtlLine(doc, text, right, y, size, bold, width) - size * 1.6 + size * gap;
    else {
      doc
        .font(bold ? 'latinBold' : 'latin')
        .fontSize(size)
        .text(text, left, y, { width });
      y = doc.y + size * (gap - 1.2);
    }
  };
  /** Free text written by the prescriber (usually French): wrapped, aligned with the document. */
  const freeText = (text: string, size: number) => {
    if (ARABIC.test(text)) {
      y += rtlLine(doc, text, right, y, size, false, width);
      return;
    }
    doc
      .font('latin')
      .fontSize(size)
      .text(text, left, y, { width, align: rtl ? 'right' : 'left' });
    y = doc.y + 2;
  };

  line(L.title, 20, true, 1.8);
  line(`${L.prescriber}: ${p.prescriber.name}`, 11, true);
  if (p.prescriber.inpe) line(`${L.inpe}: ${p.prescriber.inpe}`, 9);
  line(`${L.date}: ${date}`, 9);
  line(`${L.validUntil} ${until}`, 9, true, 2);
  line(`${L.patient}: ${p.patient.name}`, 11, true);
  if (birth) line(`${L.born} ${birth}`, 9, false, 2);
  doc.moveTo(left, y).lineTo(right, y).lineWidth(0.5).strokeColor('#888888').stroke();
  y += 10;

  if (p.status !== 'active')
    line(p.status === 'revoked' ? L.revoked : p.status === 'expired' ? L.expired : L.dispensed, 14, true, 2);

  p.requests.forEach((r, i) => {
    const name = r.medicationCodeableConcept?.text ?? r.medicationCodeableConcept?.coding?.[0]?.display ?? '';
    doc.font('latinBold').fontSize(10.5);
    doc.text(`${i + 1}. ${name}`, left, y, { width, align: rtl ? 'right' : 'left' });
    y = doc.y + 2;
    freeText(r.dosageInstruction?.[0]?.text ?? '', 10);
    const quantity = r.dispenseRequest?.quantity?.value ?? 1;
    const days = r.dispenseRequest?.expectedSupplyDuration?.value;
    line(
      [
        L.quantity(quantity),
        days ? L.duration(days) : '',
        r.substitution?.allowedBoolean === false ? L.noSubstitution : '',
      ]
        .filter(Boolean)
        .join(rtl ? '، ' : ' · '),
      9,
      false,
      1.9,
    );
  });
  const note = p.requests[0]?.note?.[0]?.text;
  if (note) {
    line(`${L.note}:`, 9, true, 1.4);
    freeText(note, 9);
  }

  // the verification block at the bottom of the page
  const qrSize = 92;
  const bottom = doc.page.height - doc.page.margins.bottom;
  const top = Math.max(y + 12, bottom - qrSize - 10);
  const qr = QRCode.create(p.verifyUrl, { errorCorrectionLevel: 'M' });
  const cells = qr.modules.size;
  const cell = qrSize / (cells + 8);
  const qrX = rtl ? left : right - qrSize;
  doc.rect(qrX, top, qrSize, qrSize).fill('#ffffff');
  for (let row = 0; row < cells; row++)
    for (let col = 0; col < cells; col++)
      if (qr.modules.get(row, col))
        doc.rect(qrX + (col + 4) * cell, top + (row + 4) * cell, cell, cell).fill('#000000');
  doc.fillColor('#000000');
  const textLeft = rtl ? left + qrSize + 8 : left;
  const textWidth = width - qrSize - 8;
  y = top + 6;
  if (rtl) {
    y += rtlLine(doc, L.signed, right, y, 8.5, false, textWidth);
    y += rtlLine(doc, L.verify, right, y, 8.5, false, textWidth);
  } else {
    doc.font('latin').fontSize(8.5).text(L.signed, textLeft, y, { width: textWidth });
    doc.text(L.verify, textLeft, doc.y + 2, { width: textWidth });
    y = doc.y + 2;
  }
  doc
    .font('latin')
    .fontSize(7.5)
    .fillColor('#1d4ed8')
    .text(p.verifyUrl.replace(/\/[^/]+$/, '/verify'), textLeft, y, {
      width: textWidth,
      align: rtl ? 'right' : 'left',
    });
  doc.fillColor('#000000');
  y = doc.y + 4;
  if (rtl) rtlLine(doc, `${L.code}: ${groupedCode(p.code)}`, right, y, 9.5, true);
  else
    doc
      .font('latinBold')
      .fontSize(9.5)
      .text(`${L.code} : ${groupedCode(p.code)}`, textLeft, y, { width: textWidth });
  doc.end();
  return done;
}
