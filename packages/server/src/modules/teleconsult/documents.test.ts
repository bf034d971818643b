import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanTitle, detectType, documentProblem, documentReference, pdfNames } from './documents.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF');

test('types are recognised by their magic bytes, not by name', () => {
  assert.equal(detectType(PNG), 'image/png');
  assert.equal(detectType(JPEG), 'image/jpeg');
  assert.equal(detectType(PDF), 'application/pdf');
  assert.equal(detectType(new TextEncoder().encode('MZ\x90\x00 an exe called scan.pdf')), undefined);
  assert.equal(detectType(new TextEncoder().encode('<svg onload=alert(1)>')), undefined);
});

test('empty, too large, unknown and active PDFs are refused', () => {
  assert.equal(documentProblem(new Uint8Array(), 100), 'empty');
  assert.equal(documentProblem(PNG, 5), 'too-large');
  assert.equal(documentProblem(new TextEncoder().encode('GIF89a'), 100), 'type');
  assert.equal(
    documentProblem(
      new TextEncoder().encode('%PDF-1.7 /OpenAction << /S /JavaScript /JS (app.alert(1)) >>'),
      1000,
    ),
    'active-content',
  );
  assert.equal(documentProblem(PDF, 1000), undefined);
});

test('names written with #xx escapes are read as the reader reads them', () => {
  const pdf = (body: string) => new TextEncoder().encode(`%PDF-1.7\n1 0 obj << ${body} >> endobj`);
  assert.deepEqual(pdfNames('<< /S/J#61vaScript /J#53 (x) /A#23B >>'), ['S', 'JavaScript', 'JS', 'A#B']);
  assert.equal(
    documentProblem(pdf('/OpenAction << /S/J#61vaScript /J#53 (app.alert(1)) >>'), 1000),
    'active-content',
  );
  assert.equal(documentProblem(pdf('/OpenAction << /S /L#61unch /F (cmd.exe) >>'), 1000), 'active-content');
  assert.equal(documentProblem(pdf('/AA << /O 5 0 R >>'), 1000), 'active-content');
  assert.equal(documentProblem(pdf('/Names << /#45mbeddedFiles 3 0 R >>'), 1000), 'active-content');
  // opening at page 1, object streams and names that only start like an active one are fine
  assert.equal(documentProblem(pdf('/OpenAction [3 0 R /Fit] /Type /ObjStm /JSON /AAB'), 1000), undefined);
});

test('titles are cleaned and take the detected extension', () => {
  assert.equal(cleanTitle('../../etc/passwd', 'image/png'), 'etc passwd.png');
  assert.equal(cleanTitle('ordonnance.exe', 'application/pdf'), 'ordonnance.pdf');
  assert.equal(cleanTitle('تحليل الدم.jpg', 'image/jpeg'), 'تحليل الدم.jpg');
  assert.equal(cleanTitle(undefined, 'image/jpeg'), 'document.jpg');
  assert.equal(cleanTitle(['a', 'b'], 'image/png'), 'document.png', 'a repeated ?name= is no name');
});

test('a DocumentReference carries the bytes, their size and SHA-1, the author and the encounter', () => {
  const doc = documentReference({
    bytes: PNG,
    type: 'image/png',
    title: 'x.png',
    patientId: 'p1',
    author: 'Practitioner/d1',
    encounterId: 'e1',
    appointmentId: 'a1',
  });
  assert.equal(doc.content[0].attachment.size, PNG.length);
  assert.equal(Buffer.from(doc.content[0].attachment.data ?? '', 'base64').length, PNG.length);
  assert.deepEqual(doc.context?.encounter, [{ reference: 'Encounter/e1' }]);
  assert.equal(doc.subject?.reference, 'Patient/p1');
});
