/** The public verification endpoint, as the pharmacist's page reads it. */
import { ApiError } from '../api/errors.ts';
import { request } from '../api/http.ts';

export interface Verification {
  status: 'valid' | 'dispensed' | 'revoked' | 'expired' | 'tampered';
  issued?: string;
  /** The end of the period in which it may be dispensed. */
  validUntil?: string;
  prescriber?: { name?: string; inpe?: string };
  patient?: { initials?: string; birthYear?: string };
  items?: {
    medication?: string;
    dosage?: string;
    quantity?: number;
    durationDays?: number;
    substitution?: boolean;
  }[];
  dispensedAt?: string;
  dispensedBy?: string;
  revokedAt?: string;
}

/** The verification, or null for an unknown code (a query's data cannot be undefined). */
export async function verifyPrescription(code: string, signal?: AbortSignal): Promise<Verification | null> {
  try {
    return (
      await request<Verification>('GET', `/api/prescriptions/verify/${encodeURIComponent(code)}`, { signal })
    ).body;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

/**
 * Records the dispensing. `pharmacy` and `inpe` are typed by a pharmacist attached to no pharmacy;
 * an attached one names the pharmacy only when their account has several (the server knows which).
 */
export const dispensePrescription = async (code: string, pharmacy?: string, inpe?: string) =>
  (
    await request<{ status: string }>(
      'POST',
      `/api/prescriptions/verify/${encodeURIComponent(code)}/dispense`,
      {
        body: { ...(pharmacy ? { pharmacy } : {}), ...(inpe ? { inpe } : {}) },
      },
    )
  ).body;

/** A pharmacy the signed-in pharmacist's account dispenses for. */
export interface MyPharmacy {
  name: string;
  city?: string;
  inpe?: string;
}

export const myPharmacies = async (signal?: AbortSignal): Promise<MyPharmacy[]> =>
  (await request<MyPharmacy[]>('GET', '/api/prescriptions/pharmacies', { signal })).body;

/** How a pharmacy is named on the page: its name and city. */
export const pharmacyLabel = (p: MyPharmacy): string => (p.city ? `${p.name}, ${p.city}` : p.name);
