/**
 * The directory demo seats its practitioners at plausible care places only: never at an optician,
 * a pharmacy, a dental or physiotherapy practice, a laboratory, or a place whose name is only a
 * kind ("Centre de Santé Rural Niveau 2") or only a trade name ("CITY DOCTOR"), whatever the
 * OpenStreetMap tag says; nephrologists at a hospital, a clinic or a dialysis centre. Every region
 * keeps its share, and the same seed gives the same bundle.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Bundle, Location, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { loadReferenceData } from '../../demo/reference-data.ts';
import { SPECIALTIES } from '../scheduling/terms.ts';
import { carePlaceKind, mayConsultAt } from './care-places.ts';
import { buildDirectoryDemo } from './demo.ts';

const OSM_ID = 'https://sahti.ma/fhir/StructureDefinition/osm-id';

/** Each practitioner's role with its place (Location) and the facility of the map behind it. */
function seats(bundle: Bundle) {
  const byUrl = new Map<string, Resource>();
  for (const e of bundle.entry ?? []) if (e.fullUrl && e.resource) byUrl.set(e.fullUrl, e.resource);
  const facilities = new Map(loadReferenceData().facilities.map((f) => [f.sourceId, f]));
  return [...byUrl.values()]
    .filter((r): r is PractitionerRole => r.resourceType === 'PractitionerRole')
    .map((role) => {
      const location = byUrl.get(role.location?.[0]?.reference ?? '') as Location;
      const osm = location.extension?.find((e) => e.url === OSM_ID)?.valueString ?? '';
      const code = role.specialty?.[0]?.coding?.[0]?.code;
      return {
        specialty: SPECIALTIES.find((s) => s.code === code)?.key ?? '',
        location,
        facility: facilities.get(osm),
      };
    });
}

describe('which places count as care places', () => {
  it('refuses the odd places of the map, whatever their tag, and keeps named care places', () => {
    const odd = [
      { name: 'Optical Shop', kind: 'hospital' },
      { name: 'Optique Al Qods', kind: 'hospital' },
      { name: 'Pharmacie Achorouk', kind: 'hospital' },
      { name: 'pratic fatima', kind: 'clinic' },
      { name: 'CITY DOCTOR', kind: 'doctor' },
      { name: 'APEX Dental Clinic', kind: 'hospital' },
      { name: 'Kiné oum & co', kind: 'hospital' },
      { name: 'Laboratoire Yafa', kind: 'doctor' },
      { name: 'Infirmerie tous type de soins', kind: 'hospital' },
      { name: 'Centre de Santé Rural Niveau 2', kind: 'health_centre' },
      { name: 'Cabinet Medical', kind: 'hospital' },
      { name: 'مستشفى', kind: 'hospital' },
      { name: 'هشام الفرملي', kind: 'hospital' },
      { name: '', kind: 'clinic' },
    ] as const;
    for (const f of odd) assert.equal(carePlaceKind(f), undefined, f.name);
    const fine = [
      [{ name: 'Hôpital Hassan II', kind: 'hospital' }, 'hospital'],
      [{ name: 'مستشفى محمد الخامس', kind: 'hospital' }, 'hospital'],
      [{ name: 'Clinique Les Iris', kind: 'clinic' }, 'clinic'],
      [{ name: 'Centre de dialyse Arrayane', kind: 'hospital' }, 'dialysis'],
      [{ name: 'Centre de santé Ouled Berhil', kind: 'health_centre' }, 'health_centre'],
      [{ name: 'Dr Aarab Samia', kind: 'doctor' }, 'practice'],
      [{ name: 'Cabinet medical BADIR Ahmed', kind: 'doctor' }, 'practice'],
    ] as const;
    for (const [f, kind] of fine) assert.equal(carePlaceKind(f), kind, f.name);
  });

  it('seats a nephrologist at a hospital, a clinic or a dialysis centre; a place that announces a specialty takes only it', () => {
    const at = (name: string, kind: 'hospital' | 'clinic' | 'health_centre' | 'doctor') => ({ name, kind });
    assert.ok(mayConsultAt('nephrology', at('Hôpital Hassan II', 'hospital')));
    assert.ok(mayConsultAt('nephrology', at('Clinique Les Iris', 'clinic')));
    assert.ok(mayConsultAt('nephrology', at('Centre de dialyse Arrayane', 'hospital')));
    assert.ok(!mayConsultAt('nephrology', at('Dr Aarab Samia', 'doctor')));
    assert.ok(!mayConsultAt('nephrology', at('Centre de santé Ouled Berhil', 'health_centre')));
    assert.ok(!mayConsultAt('cardiology', at('Centre de dialyse Arrayane', 'hospital')));
    assert.ok(!mayConsultAt('cardiology', at('Centre de santé Ouled Berhil', 'health_centre')));
    assert.ok(mayConsultAt('ophthalmology', at('Clinique De La Vision de Rabat', 'clinic')));
    assert.ok(!mayConsultAt('cardiology', at('Clinique De La Vision de Rabat', 'clinic')));
    assert.ok(!mayConsultAt('general-practice', at('Optical Shop', 'hospital')));
  });
});

describe('the directory demo', () => {
  for (const practitioners of [240, 1]) {
    it(`seats ${practitioners === 1 ? 'the smallest demo (4 a region)' : '240 practitioners'} at care places only, in all 12 regions`, () => {
      const bundle = buildDirectoryDemo({ practitioners });
      const list = seats(bundle);
      assert.ok(list.length >= Math.max(practitioners, 48), `${list.length} practitioners`);
      const regions = new Map<string, number>();
      for (const { location } of list) {
        const region = location.address?.state ?? '';
        regions.set(region, (regions.get(region) ?? 0) + 1);
      }
      assert.equal(regions.size, 12, [...regions.keys()].join(', '));
      for (const [region, n] of regions) assert.ok(n >= 4, `${region}: ${n}`);
      for (const { specialty, location, facility } of list) {
        const where = `${specialty} at ${location.name} (${facility?.kind})`;
        assert.ok(facility, `${location.name} is a facility of the map`);
        assert.ok(specialty, `a known specialty at ${location.name}`);
        // said independently of the rule: the odd places seen in the demo before
        assert.doesNotMatch(
          location.name ?? '',
          /optic|optique|pharmac|parmacie|pratic|city doctor|dentaire|dental|kin[ée]/i,
          where,
        );
        assert.ok(carePlaceKind(facility), `${where}: not a care place`);
        assert.ok(mayConsultAt(specialty, facility), `${where}: not where this specialty consults`);
        if (specialty === 'nephrology')
          assert.match(location.description ?? '', /^(Hôpital|Clinique|Centre d’hémodialyse) — /, where);
      }
    });
  }

  it('is the same bundle for the same seed', () => {
    assert.deepEqual(buildDirectoryDemo({ practitioners: 60 }), buildDirectoryDemo({ practitioners: 60 }));
  });
});
