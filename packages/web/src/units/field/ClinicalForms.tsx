/**
 * A patient's ECG, photo, prescription and referral in the field app, offline: each form puts its
 * records in the outbox (clinical-records.ts), linked to the patient's consultation of the day
 * (made here when the team records nothing else). Prescriptions are for the unit's GP: written as
 * drafts, signed by the server when synchronised (the other members see why they cannot).
 */
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionUser } from '../../api/auth.ts';
import { Button, Notice, SelectField, TextArea, TextField } from '../../design/index.ts';
import type { ReferralFacility } from '../api.ts';
import { NS } from '../i18n/index.ts';
import {
  ecgDocument,
  ecgStrip,
  type PrescribedItem,
  parseEcgSamples,
  photo,
  prescription,
  type RecordContext,
  referral,
} from './clinical-records.ts';
import { type DayEncounters, fieldDb, getMeta, type LocalPatient, setMeta } from './db.ts';
import { base64Of, downscaledPicture } from './files.ts';
import { type Entry, visit } from './records.ts';

const PRESCRIBERS = ['doctor', 'hub-specialist'];
const uuid = () => crypto.randomUUID();

interface Props {
  unit: string;
  patient: LocalPatient;
  user: SessionUser | undefined;
  queue(entries: Entry[]): Promise<void>;
  saved(text: string): Promise<void>;
}

export function ClinicalForms({ unit, patient, user, queue, saved }: Props) {
  const { t } = useTranslation(NS);
  const [devices, setDevices] = useState<{ id: string; kind?: string; serial?: string }[]>([]);
  const [facilities, setFacilities] = useState<ReferralFacility[]>([]);
  const [medicines, setMedicines] = useState<{ code: string; display: string }[]>([]);
  const [items, setItems] = useState<PrescribedItem[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    void fieldDb.devices.toArray().then(setDevices);
    void fieldDb.facilities.orderBy('km').toArray().then(setFacilities);
    void fieldDb.medicines.toArray().then(setMedicines);
  }, []);
  const mayPrescribe = Boolean(user?.roles.some((r) => PRESCRIBERS.includes(r)));
  const ecgDevices = devices.filter((d) => d.kind === 'ecg');
  const camera = devices.find((d) => d.kind === 'camera')?.id;

  /** The patient's consultation today; one is recorded if the team has not yet. */
  const context = async (): Promise<RecordContext> => {
    const at = new Date().toISOString();
    const day = at.slice(0, 10);
    const encounters = (await getMeta<DayEncounters>('encounters')) ?? {};
    const known = encounters[patient.ref];
    if (known?.day === day) return { patient: patient.ref, encounter: known.encounter, at };
    const stop = (await getMeta<{ stopRef?: string }>('prepared'))?.stopRef;
    const [encounter] = visit(unit, patient.ref, user?.fhirUser, {}, at, uuid, stop);
    await queue([encounter]);
    await setMeta('encounters', { ...encounters, [patient.ref]: { encounter: encounter.fullUrl, day } });
    return { patient: patient.ref, encounter: encounter.fullUrl, at };
  };
  const fail = (field: string, message: string) => setErrors((e) => ({ ...e, [field]: message }));
  const clear = (field: string) => setErrors(({ [field]: _gone, ...rest }) => rest as Record<string, string>);

  const saveEcg = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const file = f.get('ecgFile') as File | null;
    const device = String(f.get('ecgDevice') ?? '');
    clear('ecgFile');
    if (!file || file.size === 0) return fail('ecgFile', t('field.ecgNoFile'));
    const pdf = file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
    let entries: Entry[];
    if (pdf) {
      if (file.size > 2 * 1024 * 1024) return fail('ecgFile', t('field.fileTooLarge'));
      const data = await base64Of(file);
      entries = ecgDocument(await context(), device, user?.fhirUser, { data, title: file.name }, uuid);
    } else {
      const samples = parseEcgSamples(await file.text());
      if (!samples) return fail('ecgFile', t('field.ecgBadFile'));
      const hz = Number(f.get('ecgHz')) || 500;
      entries = ecgStrip(await context(), device, samples, 1000 / hz, uuid);
    }
    await queue(entries);
    form.reset();
    await saved(t('field.ecgSaved'));
  };

  const savePhoto = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const file = f.get('photoFile') as File | null;
    clear('photoFile');
    if (!file || file.size === 0) return fail('photoFile', t('field.photoNoFile'));
    const picture = await downscaledPicture(file).catch(() => undefined);
    if (!picture) return fail('photoFile', t('field.photoTooLarge'));
    const note = String(f.get('photoNote') ?? '').trim();
    await queue(
      photo(await context(), camera, user?.fhirUser, { ...picture, ...(note ? { note } : {}) }, uuid),
    );
    form.reset();
    await saved(t('field.photoSaved', { kb: Math.round(picture.bytes / 1024) }));
  };

  const addMedicine = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const medicine = medicines.find((m) => m.code === f.get('medicine'));
    const dosage = String(f.get('dosage') ?? '').trim();
    const quantity = Number(f.get('quantity'));
    const durationDays = Number(f.get('durationDays'));
    clear('dosage');
    if (!medicine) return;
    if (dosage.length < 3) return fail('dosage', t('field.dosageMissing'));
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100)
      return fail('quantity', t('field.quantityBad'));
    if (!Number.isInteger(durationDays) || durationDays < 1 || durationDays > 365)
      return fail('durationDays', t('field.durationBad'));
    setItems((list) => [
      ...list,
      { code: medicine.code, display: medicine.display, dosage, quantity, durationDays },
    ]);
    form.reset();
  };

  const savePrescription = async () => {
    if (!user?.fhirUser || items.length === 0) return;
    await queue(prescription(await context(), user.fhirUser, items, uuid));
    setItems([]);
    await saved(t('field.prescriptionSaved'));
  };

  const saveReferral = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    const facility = facilities.find((x) => x.location === f.get('facility'));
    const reason = String(f.get('reason') ?? '').trim();
    clear('reason');
    if (!facility) return;
    if (reason.length < 5) return fail('reason', t('field.reasonMissing'));
    await queue(
      referral(
        await context(),
        user?.fhirUser,
        {
          organization: facility.organization,
          location: facility.location,
          reason,
          priority: String(f.get('referralPriority') ?? 'routine'),
        },
        uuid,
      ),
    );
    form.reset();
    await saved(t('field.referralSaved', { name: facility.name }));
  };

  return (
    <>
      <h3>{t('field.ecg')}</h3>
      <form onSubmit={(e) => void saveEcg(e)} aria-label={t('field.ecg')}>
        {ecgDevices.length === 0 ? (
          <Notice kind="warning">{t('field.noEcgDevice')}</Notice>
        ) : (
          <>
            <SelectField
              id="ecgDevice"
              name="ecgDevice"
              label={t('field.ecgDevice')}
              options={ecgDevices.map((d) => ({ value: d.id, label: d.serial ?? d.id }))}
            />
            <TextField
              id="ecgFile"
              name="ecgFile"
              type="file"
              accept=".csv,.txt,text/csv,text/plain,application/pdf"
              label={t('field.ecgFile')}
              hint={t('field.ecgFileHint')}
              error={errors.ecgFile}
            />
            <TextField
              id="ecgHz"
              name="ecgHz"
              label={t('field.ecgHz')}
              inputMode="numeric"
              defaultValue="500"
              short
            />
            <Button>{t('field.saveEcg')}</Button>
          </>
        )}
      </form>

      <h3>{t('field.photo')}</h3>
      <form onSubmit={(e) => void savePhoto(e)} aria-label={t('field.photo')}>
        <TextField
          id="photoFile"
          name="photoFile"
          type="file"
          accept="image/*"
          capture="environment"
          label={t('field.photoFile')}
          hint={t('field.photoHint')}
          error={errors.photoFile}
        />
        <TextField id="photoNote" name="photoNote" label={t('field.photoNote')} />
        <Button>{t('field.savePhoto')}</Button>
      </form>

      <h3>{t('field.prescription')}</h3>
      {!mayPrescribe ? (
        <Notice kind="info">{t('field.gpOnly')}</Notice>
      ) : (
        <>
          <p>{t('field.prescriptionHint')}</p>
          <form onSubmit={addMedicine} aria-label={t('field.addMedicine')}>
            <SelectField
              id="medicine"
              name="medicine"
              // the list's names are Latin: read from their start in an Arabic screen too
              dir="ltr"
              label={t('field.medicine')}
              options={medicines.map((m) => ({ value: m.code, label: m.display }))}
            />
            <TextField id="dosage" name="dosage" label={t('field.dosage')} error={errors.dosage} />
            <TextField
              id="quantity"
              name="quantity"
              label={t('field.quantity')}
              inputMode="numeric"
              defaultValue="1"
              error={errors.quantity}
              short
            />
            <TextField
              id="durationDays"
              name="durationDays"
              label={t('field.durationDays')}
              inputMode="numeric"
              defaultValue="7"
              error={errors.durationDays}
              short
            />
            <Button variant="secondary">{t('field.addMedicine')}</Button>
          </form>
          {items.length > 0 && (
            <ul data-testid="prescription-items">
              {items.map((i) => (
                <li key={`${i.code}-${i.dosage}`}>
                  {t('field.rxLine', {
                    medicine: i.display,
                    dosage: i.dosage,
                    quantity: i.quantity,
                    days: i.durationDays,
                  })}
                </li>
              ))}
            </ul>
          )}
          <Button type="button" disabled={items.length === 0} onClick={() => void savePrescription()}>
            {t('field.savePrescription')}
          </Button>
        </>
      )}

      <h3>{t('field.referral')}</h3>
      <form onSubmit={(e) => void saveReferral(e)} aria-label={t('field.referral')}>
        {facilities.length === 0 ? (
          <Notice kind="warning">{t('field.noFacilities')}</Notice>
        ) : (
          <>
            <SelectField
              id="facility"
              name="facility"
              label={t('field.facility')}
              options={facilities.map((x) => ({
                value: x.location,
                // the name isolated, so a French name keeps its place in an Arabic line
                label: t('field.facilityAt', { name: `\u2068${x.name}\u2069`, km: x.km }),
              }))}
            />
            <SelectField
              id="referralPriority"
              name="referralPriority"
              label={t('field.priority')}
              options={['routine', 'urgent', 'asap', 'stat'].map((p) => ({
                value: p,
                label: t(`field.priorities.${p}`),
              }))}
            />
            <TextArea id="reason" name="reason" label={t('field.reason')} error={errors.reason} />
            <Button>{t('field.saveReferral')}</Button>
          </>
        )}
      </form>
    </>
  );
}
