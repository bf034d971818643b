/**
 * The patient's copy (A4, the whole summary) and the emergency card (A6: allergies, current
 * medicines, blood group, emergency contact, and a QR code opening the time-limited view), in
 * French or Arabic. Arabic lines are laid out right to left word by word (prescriptions/pdf.ts).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { rtlLine } from '../prescriptions/pdf.ts';
import { ICD10_SYSTEM, icd10 } from '../terminology/index.ts';
import type { RecordSummary } from './summary.ts';

/** A problem as the reader reads it: an ICD-10 code's title in their language when the set has one,
 * else the words recorded (the clinician's, or the French title). */
function problemText(p: RecordSummary['problems'][number], language: PdfLanguage): string {
  if (language === 'fr' || p.system !== ICD10_SYSTEM || !p.code) return p.text;
  const title = icd10().title(p.code, language);
  return title?.language === language ? title.value : p.text;
}

const require = createRequire(import.meta.url);
const font = (pkg: string, file: string) => join(dirname(require.resolve(`${pkg}/package.json`)), file);
const FONTS = {
  latin: font('@expo-google-fonts/noto-sans', '400Regular/NotoSans_400Regular.ttf'),
  latinBold: font('@expo-google-fonts/noto-sans', '700Bold/NotoSans_700Bold.ttf'),
  arabic: font('@expo-google-fonts/noto-naskh-arabic', '400Regular/NotoNaskhArabic_400Regular.ttf'),
  arabicBold: font('@expo-google-fonts/noto-naskh-arabic', '700Bold/NotoNaskhArabic_700Bold.ttf'),
};

export type PdfLanguage = 'fr' | 'ar';

export const LABELS = {
  fr: {
    copyTitle: 'Mon dossier de santé',
    cardTitle: 'Carte d’urgence',
    issued: 'Édité le',
    cnie: 'CNIE',
    born: 'Né(e) le',
    phone: 'Téléphone',
    bloodGroup: 'Groupe sanguin',
    unknown: 'non renseigné',
    contact: 'Personne à prévenir',
    problems: 'Problèmes de santé',
    allergies: 'Allergies',
    medicines: 'Traitements en cours',
    immunizations: 'Vaccinations',
    measurements: 'Dernières mesures',
    notes: 'Comptes rendus',
    none: 'Rien d’enregistré.',
    noAllergy: 'Aucune allergie connue.',
    high: 'risque élevé',
    dose: 'dose',
    scan: 'Scannez pour voir ces informations à jour, vérifiées par Sahti, jusqu’au',
    footer:
      'Copie du dossier partagé Sahti, à la demande du patient. Le format FHIR complet reste téléchargeable.',
  },
  ar: {
    copyTitle: 'ملفي الصحي',
    cardTitle: 'بطاقة الطوارئ',
    issued: 'بتاريخ',
    cnie: 'رقم البطاقة الوطنية',
    born: 'تاريخ الازدياد',
    phone: 'الهاتف',
    bloodGroup: 'فصيلة الدم',
    unknown: 'غير مسجلة',
    contact: 'الشخص الذي يجب إخباره',
    problems: 'المشاكل الصحية',
    allergies: 'الحساسية',
    medicines: 'العلاجات الحالية',
    immunizations: 'التلقيحات',
    measurements: 'آخر القياسات',
    notes: 'التقارير الطبية',
    none: 'لا شيء مسجل.',
    noAllergy: 'لا توجد حساسية معروفة.',
    high: 'خطر مرتفع',
    dose: 'الجرعة',
    scan: 'امسح الرمز للاطلاع على هذه المعلومات محينة وموثقة من صحتي، إلى غاية',
    footer: 'نسخة من الملف المشترك صحتي، بطلب من المريض. تبقى صيغة FHIR الكاملة قابلة للتحميل.',
  },
} as const;

type Doc = InstanceType<typeof PDFDocument>;

function formatDate(iso: string | undefined, language: PdfLanguage): string {
  if (!iso) return '';
  const date = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'ar' ? 'ar-MA' : 'fr-MA', {
    dateStyle: 'long',
    timeZone: 'Africa/Casablanca',
    numberingSystem: 'latn',
  }).format(date);
}

/** A writer of lines in the document's direction, keeping track of the page. */
class Writer {
  y: number;
  readonly doc: Doc;
  readonly rtl: boolean;
  readonly left: number;
  readonly right: number;

  constructor(doc: Doc, rtl: boolean) {
    this.doc = doc;
    this.rtl = rtl;
    this.left = doc.page.margins.left;
    this.right = doc.page.width - doc.page.margins.right;
    this.y = doc.page.margins.top;
  }

  get width(): number {
    return this.right - this.left;
  }

  private room(height: number): void {
    if (this.y + height > this.doc.page.height - this.doc.page.margins.bottom) {
      this.doc.addPage();
      this.y = this.doc.page.margins.top;
    }
  }

  line(text: string, size: number, bold = false, gap = 1.5, width = this.width): void {
    this.room(size * 2);
    const arabic = /[\u0600-\u06FF]/.test(text);
    if (this.rtl && arabic) {
      this.y += rtlLine(this.doc, text, this.right, this.y, size, bold, width) - size * 1.6 + size * gap;
      return;
    }
    this.doc
      .font(bold ? 'latinBold' : 'latin')
      .fontSize(size)
      .text(text, this.rtl ? this.right - width : this.left, this.y, {
        width,
        align: this.rtl ? 'right' : 'left',
      });
    this.y = this.doc.y + size * (gap - 1.2);
  }

  rule(): void {
    this.doc
      .moveTo(this.left, this.y)
      .lineTo(this.right, this.y)
      .lineWidth(0.5)
      .strokeColor('#888888')
      .stroke();
    this.y += 8;
  }
}

function newDocument(size: string, margin: number, title: string): { doc: Doc; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size, margin, info: { Title: title, Creator: 'Sahti' } });
  for (const [name, path] of Object.entries(FONTS)) doc.registerFont(name, path);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  return { doc, done };
}

/** The readable copy of the record (A4). */
export async function recordPdf(
  s: RecordSummary,
  language: PdfLanguage,
  issued = new Date(),
): Promise<Buffer> {
  const L = LABELS[language];
  const rtl = language === 'ar';
  const { doc, done } = newDocument('A4', 48, `${LABELS.fr.copyTitle} — ${s.name}`);
  const w = new Writer(doc, rtl);
  const name = rtl && s.arabicName ? s.arabicName : s.name;
  w.line(L.copyTitle, 20, true, 1.8);
  w.line(name, 14, true);
  if (rtl && s.arabicName) w.line(s.name, 10);
  const facts = [
    s.cnie && `${L.cnie}: ${s.cnie}`,
    s.birthDate && `${L.born}: ${formatDate(s.birthDate, language)}`,
    `${L.bloodGroup}: ${s.bloodGroup ?? L.unknown}`,
    `${L.issued}: ${formatDate(issued.toISOString(), language)}`,
  ].filter(Boolean) as string[];
  for (const fact of facts) w.line(fact, 10, false, 1.3);
  if (s.emergencyContact)
    w.line(
      `${L.contact}: ${s.emergencyContact.name}${s.emergencyContact.relationship ? ` (${s.emergencyContact.relationship})` : ''}${s.emergencyContact.phone ? ` — ${s.emergencyContact.phone}` : ''}`,
      10,
    );
  w.rule();
  const section = (title: string, lines: string[], empty: string = L.none) => {
    w.line(title, 13, true, 1.6);
    if (lines.length === 0) w.line(empty, 10, false, 1.6);
    for (const line of lines) w.line(`• ${line}`, 10, false, 1.35);
    w.y += 6;
  };
  section(
    L.problems,
    s.problems.map((p) => [problemText(p, language), p.code && `(${p.code})`].filter(Boolean).join(' ')),
  );
  section(
    L.allergies,
    s.allergies.map((a) =>
      [a.text, a.high ? `— ${L.high}` : '', a.reaction ? `: ${a.reaction}` : ''].join(' ').trim(),
    ),
    L.noAllergy,
  );
  section(
    L.medicines,
    s.medicines.map((m) => (m.dosage ? `${m.text} — ${m.dosage}` : m.text)),
  );
  section(
    L.measurements,
    s.measurements.slice(0, 12).map((m) => `${m.text}: ${m.value} (${formatDate(m.date, language)})`),
  );
  section(
    L.immunizations,
    s.immunizations
      .slice(0, 30)
      .map((i) =>
        [i.text, i.dose ? `${L.dose} ${i.dose}` : '', i.date ? formatDate(i.date, language) : '']
          .filter(Boolean)
          .join(' — '),
      ),
  );
  w.line(L.notes, 13, true, 1.6);
  if (s.notes.length === 0) w.line(L.none, 10);
  for (const n of s.notes.slice(0, 20)) {
    w.line(`${formatDate(n.date, language)} — ${n.title}${n.author ? ` — ${n.author}` : ''}`, 10, true, 1.3);
    if (n.text) w.line(n.text, 9.5, false, 1.6);
  }
  w.rule();
  w.line(L.footer, 8);
  doc.end();
  return done;
}

/** The emergency card (A6 portrait) with its QR code. */
export async function emergencyCardPdf(
  s: RecordSummary,
  language: PdfLanguage,
  link: { url: string; expiresAt: string },
): Promise<Buffer> {
  const L = LABELS[language];
  const rtl = language === 'ar';
  const { doc, done } = newDocument('A6', 20, `${LABELS.fr.cardTitle} — ${s.name}`);
  const w = new Writer(doc, rtl);
  doc.rect(0, 0, doc.page.width, 8).fill('#d5281b');
  doc.fillColor('#000000');
  w.y = 18;
  w.line(L.cardTitle, 15, true, 1.6);
  w.line(rtl && s.arabicName ? s.arabicName : s.name, 11, true, 1.3);
  if (s.birthDate) w.line(`${L.born}: ${formatDate(s.birthDate, language)}`, 8.5, false, 1.3);
  w.line(`${L.bloodGroup}: ${s.bloodGroup ?? L.unknown}`, 10, true, 1.5);
  w.line(`${L.allergies}:`, 9, true, 1.3);
  if (s.allergies.length === 0) w.line(L.noAllergy, 8.5, false, 1.3);
  for (const a of s.allergies.slice(0, 5))
    w.line(`• ${a.text}${a.high ? ` (${L.high})` : ''}`, 8.5, false, 1.3);
  w.line(`${L.medicines}:`, 9, true, 1.3);
  if (s.medicines.length === 0) w.line(L.none, 8.5, false, 1.3);
  for (const m of s.medicines.slice(0, 6)) w.line(`• ${m.text}`, 8, false, 1.3);
  if (s.emergencyContact)
    w.line(
      `${L.contact}: ${s.emergencyContact.name}${s.emergencyContact.phone ? ` — ${s.emergencyContact.phone}` : ''}`,
      8.5,
      true,
      1.5,
    );
  // the QR code at the bottom, with what it opens
  const size = 78;
  const bottom = doc.page.height - doc.page.margins.bottom;
  const top = Math.max(w.y + 4, bottom - size);
  if (top + size > bottom) {
    doc.addPage();
  }
  const qr = QRCode.create(link.url, { errorCorrectionLevel: 'M' });
  const cells = qr.modules.size;
  const cell = size / (cells + 8);
  const x = rtl ? w.left : w.right - size;
  const qrTop = top + size > bottom ? doc.page.margins.top : top;
  doc.rect(x, qrTop, size, size).fill('#ffffff');
  for (let row = 0; row < cells; row++)
    for (let col = 0; col < cells; col++)
      if (qr.modules.get(row, col))
        doc.rect(x + (col + 4) * cell, qrTop + (row + 4) * cell, cell, cell).fill('#000000');
  doc.fillColor('#000000');
  w.y = qrTop + 6;
  w.line(`${L.scan} ${formatDate(link.expiresAt, language)}`, 7.5, false, 1.3, w.width - size - 8);
  doc.end();
  return done;
}
