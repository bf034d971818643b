/** Forms: one hook for values, per-field errors, the error summary, submit state and server refusals. */
export { blamedFields, type FieldPaths } from './outcome-fields.ts';
export { type FieldOf, type Form, type FormProblem, type FormSpec, useForm } from './useForm.ts';
