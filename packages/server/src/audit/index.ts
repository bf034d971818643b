/** The audit trail: every access to patient data as a hash-chained FHIR AuditEvent (IHE BALP). */
export { type AccessLogEntry, accessLogEntry } from './access-log.ts';
export { canonicalJson, chainHash, GENESIS } from './chain.ts';
export { type AuditAction, type AuditInteraction, INTERACTIONS, outcomeCode, PURPOSE } from './codes.ts';
export { type AuditInput, type AuditSource, auditColumns, buildAuditEvent } from './event.ts';
export { AUDIT_MIGRATIONS } from './migrations.ts';
export {
  type AuditPage,
  type AuditSearch,
  listAccessesToPatient,
  readAuditEvent,
  searchAuditEvents,
} from './read.ts';
export { type AuditRouteDeps, registerAuditRoutes } from './routes.ts';
export { type AuditChainReport, verifyAuditChain } from './verify.ts';
export { type AuditLog, type AuditLogOptions, type AuditLogStats, createAuditLog } from './writer.ts';
