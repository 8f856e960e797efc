/**
 * Secrets at rest: AES-256-GCM with a key from `SMTP_OPS_SECRET_KEY` (64 hex
 * chars or base64 of 32 bytes) or a key file created 0600 in the store.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { readFile, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { SmtpOpsError, ErrorCode } from './errors.js';

/** A sealed secret as stored: all fields base64. */
export interface Sealed {
  v: 1;
  iv: string;
  tag: string;
  data: string;
}

export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Key from the option, the environment, or `<storeDir>/secret.key` (created 0600 on first use). */
  static async load(storeDir: string, configured?: string): Promise<SecretBox> {
    const given = configured ?? process.env.SMTP_OPS_SECRET_KEY;
    if (given) return new SecretBox(parseKey(given, 'SMTP_OPS_SECRET_KEY'));
    const file = join(storeDir, 'secret.key');
    try {
      return new SecretBox(parseKey((await readFile(file, 'utf8')).trim(), file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const key = randomBytes(32);
    await writeFile(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    await chmod(file, 0o600);
    return new SecretBox(parseKey((await readFile(file, 'utf8')).trim(), file));
  }

  seal(plain: string): Sealed {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return { v: 1, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(s: Sealed): string {
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(s.iv, 'base64'));
      d.setAuthTag(Buffer.from(s.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
    } catch (e) {
      throw new SmtpOpsError(ErrorCode.Store, 'a stored secret cannot be decrypted: the secret key changed (SMTP_OPS_SECRET_KEY or secret.key); set the password again', { cause: e });
    }
  }
}

function parseKey(text: string, where: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32) throw new SmtpOpsError(ErrorCode.Validation, `${where} must be 32 bytes as 64 hex characters or base64`);
  return key;
}

/** Constant-time string comparison (hashes first so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
