/**
 * Key layout of the reports module (everything under `r!` of the shared store).
 *
 * | key                            | value                          |
 * |--------------------------------|--------------------------------|
 * | `r!a!<slot:13 digits>!<seq>`   | serialised {@link Agg} (JSON)  |
 * | `r!s!<zone>!<day>!<boundary>`  | day snapshot (`snapshots.ts`)  |
 * | `r!z`                          | the zone reports were last asked in |
 * | `r!d!` `r!de!` `r!di!<zone>!<day>` | day summaries, their events and deferred ids (`summaries.ts`) |
 * | `r!n!<first id>`               | the names dictionary of summaries (`names.ts`) |
 *
 * `slot` is the start (ms since epoch) of a 15-minute UTC slot. A slot may have
 * several records (one per collected batch until the slot is compacted); its
 * aggregate is the merge of all of them. Every time zone's day boundary falls
 * on a quarter hour, so any day in any zone is a whole number of slots.
 */

/** Slot length: 15 minutes, the finest granularity of UTC offsets in use. */
export const SLOT_MS = 15 * 60_000;

const PREFIX = 'r!a!';

export function slotOf(time: number): number {
  return Math.floor(time / SLOT_MS) * SLOT_MS;
}

function pad(slot: number): string {
  return String(Math.max(0, slot)).padStart(13, '0');
}

/** Key of one aggregate record of a slot. `seq` must be unique in the store. */
export function recordKey(slot: number, seq: string): string {
  return `${PREFIX}${pad(slot)}!${seq}`;
}

/** Slot of a record key. */
export function slotOfKey(key: string): number {
  return Number(key.slice(PREFIX.length, PREFIX.length + 13));
}

/** Bounds of the records of slots in [start, end). */
export function recordRange(start: number, end: number): { gte: string; lt: string } {
  return { gte: `${PREFIX}${pad(slotOf(start))}`, lt: `${PREFIX}${pad(slotOf(end - 1) + SLOT_MS)}` };
}

/** Bounds of every record. */
export const ALL_RECORDS = { gte: PREFIX, lt: `${PREFIX}\xff` };

/** The zone reports were last asked in (days of that zone are started as soon as they begin). */
export const ZONE_KEY = 'r!z';
