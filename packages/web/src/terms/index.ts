export {
  CVX,
  doseNumber,
  listText,
  PNI_ANTIGEN,
  pniAgeLabel,
  pniDoseLabel,
  roleLabel,
  SNOMED,
  specialtiesText,
  specialtyLabel,
  vaccineLabel,
} from './labels.ts';
