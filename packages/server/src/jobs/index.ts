/** Durable jobs: the public surface of packages/server/src/jobs (see README.md). */
export { pageLimit, registerJobAdminRoutes, requireAdministrator } from './admin-routes.ts';
export { type JobSettings, readJobSettings } from './config.ts';
export {
  createJobRunner,
  DEAD_LETTER_QUEUE,
  DEFAULT_JOB_OPTIONS,
  type JobLog,
  type JobRunnerOptions,
} from './runner.ts';
export { parseSchedule, type Schedule } from './schedule.ts';
export {
  type DeadJob,
  type EnqueueOptions,
  type JobContext,
  type JobCounters,
  type JobHandler,
  type JobOptions,
  type JobRunner,
  type JobStats,
  PermanentJobFailure,
  type QueueDepth,
} from './types.ts';
