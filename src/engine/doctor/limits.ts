/**
 * The doctor's time limits, in one table. Every network or store step waits at most its stage
 * limit; every task (a group of checks) at most its task limit, which covers its stages on their
 * longest path; the run at most {@link RUN_LIMIT_MS}. Tasks that depend on nothing run in
 * parallel, so the run's length is bounded by the longest chain of task limits (the plan's
 * critical path), which a test keeps under the run limit: a peer that black-holes every packet
 * costs its stage limit, never more.
 */

/** The promise: the whole run within 10 s. The runner's own deadline leaves a margin for rendering. */
export const RUN_LIMIT_MS = 9_000;

/** Per-step limits in ms. */
export const STAGE = {
  /** One DNS question (A/AAAA of the relay or hostname, PTR, a DNSBL, a TXT). */
  dns: 1_500,
  /** MX and the addresses of the MX hosts. */
  mx: 2_000,
  /** TCP connect. */
  connect: 2_000,
  /** First bytes of the greeting (or, with implicit TLS, the handshake and the greeting). */
  banner: 2_000,
  /** What a silent server turns out to be: a TLS handshake and an answer to EHLO, in parallel. */
  silentProbe: 1_500,
  /** EHLO, STARTTLS and the certificate, EHLO again. */
  ehlo: 2_000,
  /** The delivery client's session: connect, greeting, TLS, AUTH, MAIL/RCPT/RSET (runs alongside the probe). */
  session: 6_000,
  /** SPF evaluation (up to 10 DNS lookups). */
  spf: 3_000,
  /** The DKIM key record; then, as a second step, a test signature verified against DNS. */
  dkim: 1_500,
  /** DMARC record and alignment. */
  dmarc: 1_500,
  /** Reading the queue and the events. */
  store: 2_000,
} as const;

/** A task's hard limit is its stages plus this, so a stage that times out reports itself first. */
export const TASK_MARGIN_MS = 250;

/** The outcome of work run under a limit. */
export type Limited<T> = { ok: true; value: T } | { ok: false; timedOut: true };

/**
 * Runs `work` for at most `ms`: after that its signal aborts (sockets close) and the result is a
 * timeout, whatever the work does. A parent signal that aborts aborts this work too.
 */
export function within<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<Limited<T>> {
  const ctl = new AbortController();
  const onParent = () => ctl.abort();
  if (parent?.aborted) ctl.abort();
  else parent?.addEventListener('abort', onParent, { once: true });
  return new Promise<Limited<T>>((resolve, reject) => {
    const timer = setTimeout(() => {
      ctl.abort();
      resolve({ ok: false, timedOut: true });
    }, ms);
    ctl.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve({ ok: false, timedOut: true });
    }, { once: true });
    work(ctl.signal).then(
      (value) => {
        clearTimeout(timer);
        resolve({ ok: true, value });
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (ctl.signal.aborted) resolve({ ok: false, timedOut: true });
        else reject(err);
      },
    ).finally(() => parent?.removeEventListener('abort', onParent));
  });
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}
