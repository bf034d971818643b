/**
 * A real SMTP server (the `smtp-server` package) on a free port of this process, collecting what it
 * receives as decoded messages (subject and text, whatever transfer encoding the sender chose).
 * `refuse(address, code)` makes it answer RCPT TO for that address with an SMTP error.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
}

export interface SmtpInbox {
  url: string;
  received: ReceivedMail[];
  /** Waits for the next message to `address` (and takes it out of `received`). */
  next(address: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** Answers RCPT TO of `address` with `code` (4xx temporary, 5xx permanent) until `accept`. */
  refuse(address: string, code: number): void;
  accept(address: string): void;
  /** RCPT TO refused so far, by address. */
  refusals: Map<string, number>;
  close(): Promise<void>;
}

export async function startSmtpInbox(): Promise<SmtpInbox> {
  const received: ReceivedMail[] = [];
  const refused = new Map<string, number>();
  const refusals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const code = refused.get(address.address.toLowerCase());
      if (code === undefined) return callback();
      refusals.set(address.address.toLowerCase(), (refusals.get(address.address.toLowerCase()) ?? 0) + 1);
      return callback(Object.assign(new Error(`refused by the test (${code})`), { responseCode: code }));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const mail = parseMail(Buffer.concat(chunks).toString('latin1'));
        received.push({
          ...mail,
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refusals,
    async next(address, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const i = received.findIndex((m) => m.to.includes(address.toLowerCase()));
        if (i >= 0) return received.splice(i, 1)[0];
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`no email to ${address} within ${timeoutMs} ms`);
    },
    refuse: (address, code) => refused.set(address.toLowerCase(), code),
    accept: (address) => refused.delete(address.toLowerCase()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Subject and text of a single-part or multipart message; bytes kept as latin1 until decoded. */
function parseMail(raw: string): { subject: string; text: string } {
  const { headers, body } = splitPart(raw);
  const subject = decodeWords(unfold(header(headers, 'subject') ?? ''));
  const type = header(headers, 'content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!boundary) return { subject, text: decodeBody(headers, body) };
  const parts = body.split(`--${boundary}`).slice(1, -1).map(splitPart);
  const plain = parts.find((p) => /text\/plain/i.test(header(p.headers, 'content-type') ?? '')) ?? parts[0];
  return { subject, text: plain ? decodeBody(plain.headers, plain.body) : '' };
}

function splitPart(raw: string): { headers: string; body: string } {
  const text = raw.replace(/^\r?\n/, '');
  const at = text.search(/\r?\n\r?\n/);
  if (at < 0) return { headers: text, body: '' };
  return { headers: text.slice(0, at), body: text.slice(at).replace(/^\r?\n\r?\n/, '') };
}

function unfold(value: string): string {
  return value.replace(/\r?\n[ \t]+/g, ' ');
}

function header(headers: string, name: string): string | undefined {
  const match = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return match ? unfold(match[1]) : undefined;
}

function decodeBody(headers: string, body: string): string {
  const encoding = (header(headers, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = quotedPrintable(body);
  else bytes = Buffer.from(body, 'latin1');
  return bytes.toString('utf8').replace(/\r\n/g, '\n').replace(/\n$/, '');
}

function quotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i));
  }
  return Buffer.from(bytes);
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= and =?UTF-8?Q?…?=). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : quotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
    );
}
