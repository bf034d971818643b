/**
 * The call's signalling protocol, both directions, as JSON messages over one WebSocket per party.
 * The server relays WebRTC negotiation (`signal`) untouched between the two parties only, carries
 * the chat (kept as Communications) and records modes and incidents in the Encounter. Pure.
 *
 * client → server: signal {data} | chat {text} | mode {mode} | incident {code, detail?} | ping
 * server → client: welcome {side, peerPresent} | peer {present} | signal {data}
 *                  | chat {id, from, text, sent} | mode {side, mode}
 *                  | document {id, title, contentType, size, from} | checked-in | ended
 *                  | error {text} | pong
 * (sent by routes.ts and hub.ts: `welcome` on joining; `peer` when the other side comes or goes;
 * `signal` and `mode` to the other side only; `chat` and `document` to both; `checked-in` to the
 * practitioner when the patient checks in; `ended` to both before their sockets close; `error` for
 * a message refused or not recorded, and when the server stops; `pong` in answer to `ping`. The
 * practitioner's lobby socket answers any message with `pong`.)
 */
import { CALL_MODES, type CallMode, INCIDENTS, type Incident } from './encounter.ts';

export const MAX_MESSAGE_BYTES = 64 * 1024;
export const MAX_CHAT_CHARACTERS = 2000;

export type ClientMessage =
  | { type: 'signal'; data: unknown }
  | { type: 'chat'; text: string }
  | { type: 'mode'; mode: CallMode }
  | { type: 'incident'; code: Incident; detail?: string }
  | { type: 'ping' };

export function parseClientMessage(raw: string | Buffer): ClientMessage | string {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) return 'message too large';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (!value || typeof value !== 'object') return 'not an object';
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'signal':
      if (!m.data || typeof m.data !== 'object') return 'signal needs data';
      return { type: 'signal', data: m.data };
    case 'chat': {
      if (typeof m.text !== 'string') return 'chat needs text';
      const t = m.text.trim();
      if (!t) return 'empty chat message';
      if (t.length > MAX_CHAT_CHARACTERS)
        return `chat messages have at most ${MAX_CHAT_CHARACTERS} characters`;
      return { type: 'chat', text: t };
    }
    case 'mode':
      return CALL_MODES.includes(m.mode as CallMode)
        ? { type: 'mode', mode: m.mode as CallMode }
        : 'unknown mode';
    case 'incident':
      if (!INCIDENTS.includes(m.code as Incident)) return 'unknown incident';
      return {
        type: 'incident',
        code: m.code as Incident,
        ...(typeof m.detail === 'string' ? { detail: m.detail.slice(0, 200) } : {}),
      };
    case 'ping':
      return { type: 'ping' };
    default:
      return 'unknown message type';
  }
}
