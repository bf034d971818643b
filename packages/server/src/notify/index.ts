/** Notifications to people: the public surface of packages/server/src/notify (see README.md). */
export {
  type DeliveryAttempt,
  listNotifications,
  type NotificationSummary,
  notificationWithAttempts,
  outboxBacklog,
} from './admin.ts';
export { registerNotificationAdminRoutes } from './admin-routes.ts';
export { type NotifySettings, readNotifySettings } from './config.ts';
export {
  createNotificationDispatcher,
  DELIVER_JOB,
  type NotificationDispatcher,
  type NotificationDispatcherOptions,
  type NotifyLog,
  nudgeNotifications,
} from './dispatcher.ts';
export { type Language, patientLanguage } from './language.ts';
export {
  type Channel,
  enqueueNotification,
  enqueueNotifications,
  NOTIFY_MIGRATIONS,
  type Notification,
  type NotificationStatus,
  notificationsFor,
} from './outbox.ts';
export { DeliveryRefused, type NotificationProvider, type OutgoingMessage } from './providers.ts';
export {
  formatInstant,
  type Params as TemplateParams,
  registerTemplates,
  renderTemplate,
  type Template,
  type TemplateKey,
} from './templates.ts';
