/**
 * "Acting for": a parent looks after a child's record, an adult after a parent's. The choice is
 * kept for the tab (sessionStorage) and every portal page reads the record of the person chosen;
 * the server decides what may be read (access/relations/dependants.ts) and audits it as acting-for.
 */
import { useSyncExternalStore } from 'react';
import { request } from '../api/http.ts';

const KEY = 'sahti.actingFor';
const listeners = new Set<() => void>();

function read(): string | undefined {
  try {
    return window.sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setActingFor(patientId: string | undefined): void {
  try {
    if (patientId) window.sessionStorage.setItem(KEY, patientId);
    else window.sessionStorage.removeItem(KEY);
  } catch {
    // storage disabled: the choice is lost on reload
  }
  for (const listener of listeners) listener();
}

export function useActingFor(): string | undefined {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    read,
    () => undefined,
  );
}

export interface Dependant {
  relatedPerson: string;
  patient: string;
  delegate: string;
  relationship: string;
  name: string;
  arabicName?: string;
  birthDate?: string;
}

export async function dependants(
  signal?: AbortSignal,
): Promise<{ actingFor: Dependant[]; actedForBy: Dependant[] }> {
  return (
    await request<{ actingFor: Dependant[]; actedForBy: Dependant[] }>('GET', '/api/care/dependants', {
      signal,
    })
  ).body;
}

/** The email and phone in force, and a new one waiting for the code sent to it. */
export interface ContactDetailsView {
  email: string | null;
  phone: string | null;
  pending?: { email?: string; phone?: string };
}

export async function contactDetails(signal?: AbortSignal): Promise<ContactDetailsView> {
  return (await request<ContactDetailsView>('GET', '/api/me/contact', { signal })).body;
}

/**
 * A field left out stays as it is; null clears it (at once); a new value waits for the code sent
 * to it, written in `language` (pending in the answer).
 */
export async function saveContactDetails(
  body: { email?: string | null; phone?: string | null },
  language: string,
): Promise<ContactDetailsView> {
  return (
    await request<ContactDetailsView>('PUT', '/api/me/contact', {
      body,
      headers: { 'accept-language': language },
    })
  ).body;
}

/** The code sent to the new address: the change is made. */
export async function confirmContactChange(body: {
  channel: 'email' | 'phone';
  code: string;
}): Promise<ContactDetailsView> {
  return (await request<ContactDetailsView>('POST', '/api/me/contact/confirm', { body })).body;
}
