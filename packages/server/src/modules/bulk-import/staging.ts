/**
 * Stages an ndjson body into `bulk_import_line` as it arrives: lines are read from the request
 * stream and inserted a few hundred at a time (one multi-row INSERT each), so a body of hundreds of
 * megabytes never sits in memory as one string. Blank lines are skipped but counted, so the line
 * numbers the error file names are those of the file. Beyond `maxBytes` the upload stops with 413.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { FhirError, outcome, type SqlExecutor } from '@sahti/fhir';

const CHUNK_LINES = 500;
const CHUNK_CHARS = 4 * 1024 * 1024;

export const tooLarge = (maxBytes: number): FhirError =>
  new FhirError(
    413,
    outcome(
      'error',
      'too-costly',
      `The ndjson body is larger than ${maxBytes} bytes (SAHTI_IMPORT_MAX_BYTES): split the file into several imports`,
    ),
  );

/** Returns the number of the last line and the bytes read. */
export async function stageLines(
  db: SqlExecutor,
  importId: string,
  body: Readable,
  maxBytes: number,
): Promise<{ lines: number; bytes: number }> {
  let bytes = 0;
  let exceeded = false;
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxBytes && !exceeded) {
      exceeded = true;
      body.pause();
      body.unpipe();
      reader.close();
    }
  });
  const reader = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let numbers: number[] = [];
  let texts: (string | null)[] = [];
  let chars = 0;
  const flush = async () => {
    if (numbers.length === 0) return;
    await db.query(
      `INSERT INTO bulk_import_line (import_id, line, text)
       SELECT $1::uuid, l, t FROM unnest($2::integer[], $3::text[]) AS x(l, t)`,
      [importId, numbers, texts],
    );
    numbers = [];
    texts = [];
    chars = 0;
  };
  for await (const line of reader) {
    if (exceeded) break;
    lineNo++;
    if (line.trim() === '') continue;
    numbers.push(lineNo);
    // PostgreSQL text holds no NUL: such a line is staged empty and refused when the job reads it
    texts.push(line.includes('\u0000') ? null : line);
    chars += line.length;
    if (numbers.length >= CHUNK_LINES || chars >= CHUNK_CHARS) await flush();
  }
  if (exceeded) throw tooLarge(maxBytes);
  await flush();
  return { lines: lineNo, bytes };
}
