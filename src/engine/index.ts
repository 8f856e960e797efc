/** The engine's public surface: the only module the layers above import. */
export * from './types.js';
export * from './alerts/types.js';
export * from './errors.js';
export type { Engine, EngineOptions, Clock, IntakeServer, EngineHealth, HealthCheck, JournalListener } from './facade.js';
export type { DailyReport, Report, ReportQuery, DayTraffic, HourTraffic, ClientStat, RejectStat, HostStat, SenderDomainStat } from './reports/types.js';
export type { QueueSummary, QueueShapeRow } from './queue/summary.js';
export { AGE_LABELS } from './queue/summary.js';
export { createEngine } from './engine.js';
export { closest } from './suggest.js';
export { ALERT_CODES } from './alerts/kinds.js';
export { parseTarget as parseAlertTarget } from './alerts/subscriptions.js';
export { SETTINGS, SETTING_KEYS, SECRET_KEYS, isSettingKey, isSecretKey, settingOf, type SettingRow, type Restart } from './settings/table.js';
