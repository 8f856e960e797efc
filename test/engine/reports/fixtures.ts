/** Hand-made mail log entries and events for report tests. */
import type { EventEntry, LogEntry, LogStatus } from '../../../src/engine/index.js';

/** Builds entries with unique time-ordered keys, like the engine's log. */
export function fixtureLog() {
  let n = 0;
  const key = (time: number) => time.toString(36).padStart(9, '0') + (n++).toString(36).padStart(4, '0');
  return {
    entry(status: LogStatus, time: number, f: Partial<LogEntry> & { id: string; from?: string; to: string[]; size?: number }): LogEntry {
      return { key: key(time), time, status, from: f.from ?? 'alerts@ops.test', size: f.size ?? 1000, ...f };
    },
    event(time: number, level: EventEntry['level'], code: string, message: string, data?: Record<string, unknown>): EventEntry {
      return { key: key(time), time, level, code, message, actor: 'system', data };
    },
  };
}

/** ms since epoch of an ISO instant. */
export const at = (iso: string): number => Date.parse(iso);
