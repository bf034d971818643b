/**
 * Demo accounts, one per role, with published passwords and a published TOTP secret: they exist
 * only in demo mode (seeded with the demo data; removed on any start outside demo mode). Staff are
 * linked to demo Practitioners found in the demo data, the patient to a demo Patient (the one with
 * the smallest CNIE number, which is its login). See docs/demo-accounts.md.
 */
import type { Patient, Practitioner } from '@medplum/fhirtypes';
import type { FhirStore, SqlExecutor } from '@sahti/fhir';
import { SPECIALTIES, type SpecialtyKey } from '../demo/terminology.ts';
import { CNIE_SYSTEM, INPE_SYSTEM } from '../identifiers/morocco.ts';
import type { Role } from '../kernel/principal.ts';
import { createAccount, findAccountByLogin } from './accounts.ts';
import { createClient } from './clients.ts';
import { secretKeyFrom } from './config.ts';

export const DEMO_PASSWORD = 'sahti-demo-2026';
/** Base32; any authenticator app (or `oathtool --totp -b`) gives the codes. */
export const DEMO_TOTP_SECRET = 'SAHTIDEMOSTAFFTOTPSECRET234567AB';
export const DEMO_SYSTEM_CLIENT = {
  clientId: 'demo-system',
  secret: 'demo-system-secret',
  scope: 'system/*.*',
};
export const DEMO_APP_CLIENT = { clientId: 'demo-app', redirectUri: 'http://localhost:3000/callback' };

interface StaffSeed {
  role: Exclude<Role, 'patient'>;
  display: string;
  /** The demo Practitioner this person is, when there is one: profession and specialty. */
  practitioner?: ['doctor' | 'nurse', SpecialtyKey];
  /** A pharmacist attached to the demo pharmacy (demoPharmacist). */
  pharmacy?: true;
}

const STAFF: StaffSeed[] = [
  { role: 'doctor', display: 'Médecin (démo)', practitioner: ['doctor', 'generalPractice'] },
  { role: 'nurse', display: 'Infirmier·ère (démo)', practitioner: ['nurse', 'generalPractice'] },
  { role: 'unit-assistant', display: 'Assistant·e d’unité mobile (démo)' },
  {
    role: 'hub-specialist',
    display: 'Spécialiste du plateau central (démo)',
    practitioner: ['doctor', 'cardiology'],
  },
  {
    role: 'dialysis-coordinator',
    display: 'Coordination dialyse (démo)',
    practitioner: ['doctor', 'nephrology'],
  },
  { role: 'programme-manager', display: 'Responsable de programme (démo)' },
  { role: 'pharmacist', display: 'Pharmacien·ne, Pharmacie Al Amal (démo)', pharmacy: true },
  { role: 'administrator', display: 'Administrateur·rice (démo)' },
];

export const demoStaffLogin = (role: Role) => `${role}@demo.sahti.ma`;

/** Creates what is missing of the demo accounts and clients; returns how many were created. */
export async function seedDemoAccounts(
  store: FhirStore,
  secretKey = secretKeyFrom(process.env),
): Promise<number> {
  const db = store.db;
  let created = 0;
  const add = async (login: string, make: () => Promise<unknown>) => {
    if (await findAccountByLogin(db, login)) return;
    await make();
    created++;
  };

  const patient = await firstDemoPatient(store);
  if (patient) {
    await add(patient.cnie, () =>
      createAccount(
        db,
        {
          kind: 'patient',
          login: patient.cnie,
          password: DEMO_PASSWORD,
          email: 'patient@demo.sahti.ma',
          phone: '+212600000001',
          roles: ['patient'],
          fhirUser: `Patient/${patient.id}`,
          displayName: patient.name,
          demo: true,
        },
        secretKey,
      ),
    );
  }
  for (const staff of STAFF) {
    const practitioner = staff.practitioner
      ? await demoPractitioner(store, ...staff.practitioner)
      : staff.pharmacy
        ? await demoPharmacist(store, staff.display)
        : undefined;
    const login = demoStaffLogin(staff.role);
    await add(login, () =>
      createAccount(
        db,
        {
          kind: 'staff',
          login,
          password: DEMO_PASSWORD,
          email: login,
          roles: [staff.role],
          ...(practitioner ? { fhirUser: `Practitioner/${practitioner.id}` } : {}),
          displayName: practitioner?.name?.[0]?.text ?? staff.display,
          totpSecret: DEMO_TOTP_SECRET,
          demo: true,
        },
        secretKey,
      ),
    );
  }
  await createClient(db, {
    clientId: DEMO_SYSTEM_CLIENT.clientId,
    name: 'Demo system client',
    kind: 'system',
    secret: DEMO_SYSTEM_CLIENT.secret,
    allowedScopes: [DEMO_SYSTEM_CLIENT.scope],
    demo: true,
  });
  await createClient(db, {
    clientId: DEMO_APP_CLIENT.clientId,
    name: 'Demo SMART app',
    kind: 'app',
    public: true,
    allowedScopes: [
      'openid',
      'fhirUser',
      'launch/patient',
      'offline_access',
      'patient/*.cruds',
      'user/*.cruds',
    ],
    redirectUris: [DEMO_APP_CLIENT.redirectUri],
    demo: true,
  });
  return created;
}

/** Outside demo mode nothing published may open the door. */
export async function removeDemoAccounts(db: SqlExecutor): Promise<void> {
  await db.query('DELETE FROM auth_account WHERE demo');
  await db.query('DELETE FROM auth_client WHERE demo');
}

async function firstDemoPatient(
  store: FhirStore,
): Promise<{ id: string; cnie: string; name: string } | undefined> {
  const { matches } = await store.search('Patient', [
    ['identifier', `${CNIE_SYSTEM}|`],
    ['_count', '1000'],
  ]);
  const withCnie = (matches as Patient[])
    .map((p) => ({ p, cnie: p.identifier?.find((i) => i.system === CNIE_SYSTEM)?.value }))
    .filter((x): x is { p: Patient; cnie: string } => Boolean(x.cnie))
    .sort((a, b) => a.cnie.localeCompare(b.cnie));
  const first = withCnie[0];
  if (!first?.p.id) return undefined;
  return { id: first.p.id, cnie: first.cnie, name: first.p.name?.[0]?.text ?? first.cnie };
}

/** The demo Practitioner of a profession and specialty with the smallest INPE. */
async function demoPractitioner(
  store: FhirStore,
  profession: 'doctor' | 'nurse',
  specialty: SpecialtyKey,
): Promise<Practitioner | undefined> {
  const { included } = await store.search('PractitionerRole', [
    ['role', profession],
    ['specialty', `http://snomed.info/sct|${SPECIALTIES[specialty].code}`],
    ['_include', 'PractitionerRole:practitioner'],
    ['_count', '1000'],
  ]);
  const inpe = (p: Practitioner) => p.identifier?.find((i) => i.system === INPE_SYSTEM)?.value ?? '';
  return (included as Practitioner[])
    .filter((p) => p.resourceType === 'Practitioner')
    .sort((a, b) => inpe(a).localeCompare(inpe(b)))[0];
}

/**
 * The demo pharmacist and the pharmacy they dispense for (modules/prescriptions/pharmacy.ts): a
 * synthetic pharmacy in Rabat (the reference data holds no pharmacies), its Location, the
 * Practitioner and the PractitionerRole that attaches them. Fixed ids: written once, kept after.
 */
async function demoPharmacist(store: FhirStore, display: string): Promise<Practitioner> {
  const name = 'Pharmacie Al Amal';
  const resources = [
    { resourceType: 'Organization', id: 'demo-pharmacy-al-amal', active: true, name },
    {
      resourceType: 'Location',
      id: 'demo-pharmacy-al-amal',
      status: 'active',
      name,
      managingOrganization: { reference: 'Organization/demo-pharmacy-al-amal' },
      address: { city: 'Rabat', state: 'Rabat-Salé-Kénitra', country: 'MA' },
    },
    { resourceType: 'Practitioner', id: 'demo-pharmacist', active: true, name: [{ text: display }] },
    {
      resourceType: 'PractitionerRole',
      id: 'demo-pharmacist',
      active: true,
      practitioner: { reference: 'Practitioner/demo-pharmacist' },
      organization: { reference: 'Organization/demo-pharmacy-al-amal', display: name },
      location: [{ reference: 'Location/demo-pharmacy-al-amal' }],
      code: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'pharmacist' }],
        },
      ],
    },
  ] as const;
  for (const r of resources) {
    const found = await store.locate(r.resourceType, r.id);
    if (!found || found.deleted) await store.update(r.resourceType, r.id, r);
  }
  return (await store.read('Practitioner', 'demo-pharmacist')) as Practitioner;
}
