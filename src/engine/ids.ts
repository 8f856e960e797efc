/** Queue ids: time-ordered, unique within a process and across restarts. */
import { randomBytes } from 'node:crypto';

export class QueueIds {
  private last = 0;
  private seq = 0;
  /** Random per-process suffix: ids stay unique across restarts within one millisecond. */
  private readonly salt = randomBytes(3).readUIntBE(0, 3).toString(36).padStart(5, '0');

  /** 9 base-36 chars of ms time, a 4-char sequence within the millisecond, the process salt. */
  next(now: number): string {
    if (now === this.last) this.seq++;
    else {
      this.last = now;
      this.seq = 0;
    }
    return now.toString(36).padStart(9, '0') + this.seq.toString(36).padStart(4, '0') + this.salt;
  }
}
