/**
 * The field app's local store (IndexedDB through Dexie): the day's working set downloaded in the
 * morning, the records made offline waiting to be synchronised (the outbox, in the order they were
 * made), what the last syncs said (conflicts and deferred records for review), the hub's
 * answers, the facilities to refer to and the medicines list. It lives on the device until the records are synchronised; signing out after a sync
 * empties it.
 */
import { Dexie, type Table } from 'dexie';
import type { ReferralFacility } from '../api.ts';
import type { Entry } from './records.ts';

export interface LocalPatient {
  /** `Patient/<id>` once on the server, else the record's `urn:uuid:…`. */
  ref: string;
  name: string;
  birthDate?: string;
  gender?: string;
  cnie?: string;
  pending: boolean;
  version?: string;
  resource?: Record<string, unknown>;
}

export interface PendingEntry {
  seq?: number;
  /** The entry's fullUrl (urn:uuid:…) or the edited reference. */
  key: string;
  entry:
    | Entry
    | { resource: Record<string, unknown>; request: { method: 'PUT'; url: string; ifMatch: string } };
  createdAt: string;
}

export interface ReviewItem {
  key: string;
  status: 'conflict' | 'deferred';
  reason?: string;
  reference?: string;
  yourVersion?: string;
  currentVersion?: string;
  entry: PendingEntry['entry'];
}

export interface HubAnswer {
  task: string;
  patient?: string;
  status: string;
  text?: string;
  kind?: string;
  at?: string;
}

export interface Meta {
  key: string;
  value: unknown;
}

class FieldStore extends Dexie {
  patients!: Table<LocalPatient, string>;
  outbox!: Table<PendingEntry, number>;
  review!: Table<ReviewItem, string>;
  answers!: Table<HubAnswer, string>;
  meta!: Table<Meta, string>;
  devices!: Table<{ id: string; kind?: string; serial?: string }, string>;
  facilities!: Table<ReferralFacility, string>;
  medicines!: Table<{ code: string; display: string }, string>;

  constructor() {
    super('sahti-field');
    this.version(1).stores({
      patients: 'ref, name',
      outbox: '++seq, key',
      review: 'key',
      answers: 'task',
      meta: 'key',
      devices: 'id',
    });
    // referrals and prescriptions offline: the day's facilities and the medicines list
    this.version(2).stores({ facilities: 'location, km', medicines: 'code' });
  }
}

export const fieldDb = new FieldStore();

export async function getMeta<T>(key: string): Promise<T | undefined> {
  return (await fieldDb.meta.get(key))?.value as T | undefined;
}
export const setMeta = (key: string, value: unknown) => fieldDb.meta.put({ key, value });

/** Each patient's consultation of the day (meta `encounters`): what ECGs, photos, prescriptions and referrals link to. */
export type DayEncounters = Record<string, { encounter: string; day: string }>;

/** Everything, at sign-out (only when nothing waits to be synchronised). */
export async function emptyFieldStore(): Promise<boolean> {
  if ((await fieldDb.outbox.count()) > 0) return false;
  await Promise.all(fieldDb.tables.map((t) => t.clear()));
  return true;
}
