/**
 * systemd readiness without a native addon: Node has no Unix datagram
 * sockets, so the notification is sent by `systemd-notify` (shipped with
 * systemd). It waits until the manager has read the message (sd_notify_barrier,
 * systemd 246 and later), so the message is attributed to the service even
 * though the sender exits at once; the unit needs `NotifyAccess=all` because
 * the sender is a child, not the main process. Outside systemd (no
 * `$NOTIFY_SOCKET`) it does nothing.
 */
import { execFile } from 'node:child_process';

/** Send `READY=1` (with MAINPID) or `STOPPING=1`, with a status line. Resolves with an error text, or null when sent or not under systemd. */
export function sdNotify(env: NodeJS.ProcessEnv, what: 'ready' | 'stopping', status: string): Promise<string | null> {
  if (!env.NOTIFY_SOCKET) return Promise.resolve(null);
  const args = what === 'ready' ? ['--ready', `--pid=${process.pid}`] : ['STOPPING=1'];
  args.push(`--status=${status.replace(/[\r\n]+/g, ' ')}`);
  return new Promise((resolve) => {
    execFile('systemd-notify', args, { env, timeout: 15_000 }, (err, _out, stderr) => {
      resolve(err ? `systemd-notify ${args[0]} failed: ${(stderr || err.message).trim()}` : null);
    });
  });
}
