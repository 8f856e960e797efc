/**
 * root running the CLI or sendmail against a store owned by the service user
 * (the systemd unit's `User=`) becomes that user first: files LevelDB creates
 * while root holds the store would otherwise be root's, and the service could
 * no longer write its own store.
 */
import { statSync } from 'node:fs';

/** Switch to the store directory's owner when running as root and the store is someone else's. Returns the uid switched to, or null. */
export function becomeStoreOwner(storeDir: string): number | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  let st;
  try {
    st = statSync(storeDir);
  } catch {
    return null;
  }
  if (st.uid === 0) return null;
  process.setgroups?.([st.gid]);
  process.setgid!(st.gid);
  process.setuid!(st.uid);
  return st.uid;
}
