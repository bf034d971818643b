/** The platform's kernel: what every module may import — principal, configuration, HTTP helpers, the module contract. */
export { type Config, FHIR_BASE_PATH, readConfig } from './config.ts';
export { FHIR_CONTENT_TYPE, refuse, send } from './http.ts';
export type { ModuleContext, SahtiModule } from './module.ts';
export { type Principal, ROLES, type Role } from './principal.ts';
