/**
 * The rooms of live calls, in this process: at most one socket per side of each consultation (a
 * reconnection replaces the older socket), relaying between the two sides only, and the lobby
 * sockets of practitioners whose waiting room is open. A deployment with several processes routes
 * one consultation to one process (docs/operations.md); the record itself is in the database.
 */
import type { WebSocket } from '@fastify/websocket';
import type { Side } from './consultation.ts';

export interface Party {
  side: Side;
  /** `Patient/…` or `Practitioner/…` */
  ref: string;
  socket: WebSocket;
}

interface Room {
  parties: Map<Side, Party>;
}

const OPEN = 1;

export function sendTo(socket: WebSocket | undefined, message: object): void {
  if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(message));
}

export class CallHub {
  private readonly rooms = new Map<string, Room>();
  private readonly lobbies = new Map<string, Set<WebSocket>>();

  /** Adds a party; returns whether the other side is there. A previous socket of that side is closed. */
  join(appointmentId: string, party: Party): { peerPresent: boolean; replaced: boolean } {
    let room = this.rooms.get(appointmentId);
    if (!room) {
      room = { parties: new Map() };
      this.rooms.set(appointmentId, room);
    }
    const previous = room.parties.get(party.side);
    room.parties.set(party.side, party);
    if (previous && previous.socket !== party.socket)
      previous.socket.close(4000, 'replaced by a newer connection');
    const peer = room.parties.get(other(party.side));
    sendTo(peer?.socket, { type: 'peer', present: true });
    return { peerPresent: Boolean(peer), replaced: Boolean(previous) };
  }

  /** Removes the party if this socket is still the side's current one; tells the other side. */
  leave(appointmentId: string, side: Side, socket: WebSocket): boolean {
    const room = this.rooms.get(appointmentId);
    if (!room || room.parties.get(side)?.socket !== socket) return false;
    room.parties.delete(side);
    sendTo(room.parties.get(other(side))?.socket, { type: 'peer', present: false });
    if (room.parties.size === 0) this.rooms.delete(appointmentId);
    return true;
  }

  toPeer(appointmentId: string, from: Side, message: object): void {
    sendTo(this.rooms.get(appointmentId)?.parties.get(other(from))?.socket, message);
  }

  toBoth(appointmentId: string, message: object): void {
    for (const party of this.rooms.get(appointmentId)?.parties.values() ?? []) sendTo(party.socket, message);
  }

  bothPresent(appointmentId: string): boolean {
    return (this.rooms.get(appointmentId)?.parties.size ?? 0) === 2;
  }

  /** Closes every socket of a consultation (it has ended). */
  close(appointmentId: string, message: object): void {
    const room = this.rooms.get(appointmentId);
    if (!room) return;
    this.rooms.delete(appointmentId);
    for (const party of room.parties.values()) {
      sendTo(party.socket, message);
      party.socket.close(1000, 'consultation ended');
    }
  }

  openLobby(practitioner: string, socket: WebSocket): () => void {
    let set = this.lobbies.get(practitioner);
    if (!set) {
      set = new Set();
      this.lobbies.set(practitioner, set);
    }
    set.add(socket);
    return () => {
      set.delete(socket);
      if (set.size === 0) this.lobbies.delete(practitioner);
    };
  }

  /** Whether any practitioner has their waiting room open (else a change need not even be read). */
  get anyLobbyOpen(): boolean {
    return this.lobbies.size > 0;
  }

  /** Practitioners with an open waiting room (to skip work when nobody watches). */
  watching(practitioners: string[]): string[] {
    return practitioners.filter((p) => this.lobbies.has(p));
  }

  toLobby(practitioner: string, message: object): void {
    for (const socket of this.lobbies.get(practitioner) ?? []) sendTo(socket, message);
  }

  closeAll(): void {
    for (const id of [...this.rooms.keys()]) this.close(id, { type: 'error', text: 'server stopping' });
    for (const set of this.lobbies.values()) for (const socket of set) socket.close(1001, 'server stopping');
    this.lobbies.clear();
  }
}

const other = (side: Side): Side => (side === 'patient' ? 'practitioner' : 'patient');
