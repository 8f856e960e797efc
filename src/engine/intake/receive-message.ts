/** Reading one message from the SMTP DATA stream, bounded by the size limit. */
import type { Readable } from 'node:stream';
import { SmtpOpsError, ErrorCode } from '../errors.js';

/** A message read to its end. */
export interface ReceivedMessage {
  /** The bytes as received (dot-unstuffed by the SMTP layer, otherwise untouched); empty when oversized. */
  raw: Buffer;
  /** Bytes the client sent, counted even past the limit. */
  bytes: number;
  /** More than `maxBytes` arrived; the bytes past the limit were drained, not kept. */
  oversized: boolean;
}

/**
 * Read the DATA stream to its end. Past `maxBytes` (0 = no limit) chunks are
 * counted and dropped, so an oversized message costs no memory while the
 * stream is drained for the 552 reply. Rejects when the stream ends early (the
 * client went away mid-DATA): nothing of such a message may be queued.
 */
export function receiveMessage(stream: Readable, maxBytes: number): Promise<ReceivedMessage> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let oversized = false;
    let done = false;
    const early = (cause?: unknown) => {
      if (done) return;
      done = true;
      reject(new SmtpOpsError(ErrorCode.Closed, 'the client closed the connection before the end of the message', { cause }));
    };
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (oversized) return;
      if (maxBytes > 0 && bytes > maxBytes) {
        oversized = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => {
      if (done) return;
      done = true;
      resolve({ raw: oversized ? Buffer.alloc(0) : Buffer.concat(chunks, bytes), bytes, oversized });
    });
    stream.once('error', early);
    stream.once('close', () => early());
  });
}
