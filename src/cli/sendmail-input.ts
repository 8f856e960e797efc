/** Reading the message from stdin as sendmail does. */
import type { Readable } from 'node:stream';

/**
 * Scans bytes for a line holding only `.` (with or without CR), across
 * chunks. Postfix's sendmail ends the message there unless -i or -oi is given;
 * what follows is not read.
 */
class DotLine {
  /** 0 line start, 1 after a lone '.', 2 after '.\r', 3 inside a line. */
  private state = 0;
  private dotAt = -1;

  /** Offset (in the whole input) of the `.` that ends it, or -1. */
  feed(chunk: Buffer, base: number): number {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      switch (this.state) {
        case 0:
          if (b === 0x2e) {
            this.state = 1;
            this.dotAt = base + i;
          } else if (b !== 0x0a) this.state = 3;
          break;
        case 1:
          if (b === 0x0a) return this.dotAt;
          this.state = b === 0x0d ? 2 : 3;
          break;
        case 2:
          if (b === 0x0a) return this.dotAt;
          this.state = 3;
          break;
        default:
          if (b === 0x0a) this.state = 0;
      }
    }
    return -1;
  }

  /** At end of input, a last line of only `.` (no line end) also ends it. */
  end(): number {
    return this.state === 1 || this.state === 2 ? this.dotAt : -1;
  }
}

/** Read the message: to EOF (`dotEnds` false), or to the first lone-dot line. Bytes are kept as they are. */
export function readMessage(input: Readable, dotEnds: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const dot = dotEnds ? new DotLine() : null;
    let done = false;
    const finish = (cut: number) => {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      const all = Buffer.concat(chunks, total);
      resolve(cut >= 0 ? all.subarray(0, cut) : all);
      // The rest of stdin is not ours to read (sendmail stops at the dot too).
      input.pause();
      if ('destroy' in input && input !== process.stdin) input.destroy();
    };
    const onData = (c: Buffer | string) => {
      const chunk = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
      const at = dot ? dot.feed(chunk, total) : -1;
      chunks.push(chunk);
      total += chunk.length;
      if (at >= 0) finish(at);
    };
    const onEnd = () => finish(dot ? dot.end() : -1);
    const onError = (e: Error) => {
      if (done) return;
      done = true;
      reject(e);
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
  });
}
