/**
 * Terminology: ICD-10 as the French edition of ATIH codes it, with Arabic and English titles for
 * the codes of primary and chronic care (icd10.ts), searched as clinicians type (search.ts) and
 * served as FHIR's `CodeSystem/$lookup` and `ValueSet/$expand` (operations.ts). Other modules ask
 * `icd10()` to check a code and title it. See README.md.
 */
import type { SahtiModule } from '../../kernel/module.ts';
import { icd10 } from './icd10.ts';
import { expandOperation, lookupOperation } from './operations.ts';

export {
  dotted,
  ICD10_SYSTEM,
  ICD10_VERSION,
  Icd10,
  type Icd10Concept,
  icd10,
  icd10Key,
  type Language,
  type Title,
} from './icd10.ts';
export { ICD10_VALUE_SETS } from './operations.ts';
export { fold, searchIcd10 } from './search.ts';

export const terminologyModule: SahtiModule = {
  name: 'terminology',
  register(ctx) {
    ctx.fhir.registerOperation(lookupOperation(icd10));
    ctx.fhir.registerOperation(expandOperation(icd10));
  },
};
