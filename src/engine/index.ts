/** The engine's public surface: the only module the layers above import. */
export * from './types.js';
export * from './alerts/types.js';
export * from './errors.js';
export type { Engine, EngineOptions, Clock, IntakeServer, EngineHealth, HealthCheck, JournalListener } from './facade.js';
export type { DailyReport, Report, ReportQuery, DayTraffic, HourTraffic, ClientStat, RejectStat, HostStat, SenderDomainStat } from './reports/types.js';
export type { QueueMatch } from './queue/filter.js';
export type { QueueSummary, QueueShapeRow, QueueErrorRow } from './queue/summary.js';
export { AGE_LABELS } from './queue/summary.js';
/**
 * Open the store and start the engine. Its code (LevelDB, nodemailer, the
 * units) loads on first use, so what needs only the engine's types and
 * tables (shell completion, help, a one-shot talking to a running serve)
 * starts without it.
 */
export async function createEngine(options: import('./facade.js').EngineOptions): Promise<import('./facade.js').Engine> {
  return (await import('./engine.js')).createEngine(options);
}
export { closest } from './suggest.js';
export { hostPort } from './settings/syntax.js';
export { ALERT_CODES } from './alerts/kinds.js';
export { parseTarget as parseAlertTarget } from './alerts/subscriptions.js';
export { SETTINGS, SETTING_KEYS, SECRET_KEYS, isSettingKey, isSecretKey, settingOf, type SettingRow, type Restart } from './settings/table.js';
