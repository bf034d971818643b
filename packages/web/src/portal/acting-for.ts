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

export async function contactDetails(
  signal?: AbortSignal,
): Promise<{ email: string | null; phone: string | null }> {
  return (await request<{ email: string | null; phone: string | null }>('GET', '/api/me/contact', { signal }))
    .body;
}

export async function saveContactDetails(body: { email: string | null; phone: string | null }) {
  return (await request<{ email: string | null; phone: string | null }>('PUT', '/api/me/contact', { body }))
    .body;
}
