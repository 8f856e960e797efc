/**
 * The doctor: the admin guide's Troubleshooting section as checks, run as a plan of tasks that
 * each have a time limit and run in parallel where they are independent (see limits.ts). Every
 * check says what it found and, when something is wrong, the cause in words and the fix (commands
 * in backticks, also in `fix`). Nothing is sent: EHLO, STARTTLS, AUTH, MAIL/RCPT/RSET, QUIT.
 */
import type { DoctorCheck, DoctorProgress } from '../types.js';
import { DOCTOR_SECTIONS } from '../types.js';
import type { DoctorInputs, SendingAddresses } from './context.js';
import { ADDRESS_CHECKS, addressTask } from './addresses.js';
import { BLOCKLIST_CHECKS, blocklistTask } from './blocklists.js';
import { QUEUE_CHECKS, REMINDER_CHECKS, SETTINGS_CHECKS, logsCheck, queueChecks, settingsChecks, spamCheck } from './general-checks.js';
import { RUN_LIMIT_MS, STAGE, TASK_MARGIN_MS, within } from './limits.js';
import { runPlan, type Task } from './plan.js';
import { REVERSE_CHECKS, reverseTask } from './reverse.js';
import { SENDER_CHECKS, senderTask } from './sender.js';
import { smtpChecks, smtpTask } from './smtp-task.js';

export type { DoctorInputs, QueueSnapshot } from './context.js';
export { doctorRecipient } from './recipient.js';
export { criticalPathMs } from './plan.js';
export { RUN_LIMIT_MS, STAGE } from './limits.js';

/** The tasks of one run. Limits: each task's stages on their longest path, plus a margin. */
export function doctorPlan(inp: DoctorInputs): Task[] {
  const m = TASK_MARGIN_MS;
  return [
    { id: 'settings', label: 'settings', limitMs: 100 + m, produces: SETTINGS_CHECKS, run: async () => ({ checks: settingsChecks(inp.settings) }) },
    {
      id: 'queue',
      label: 'queue and events',
      limitMs: STAGE.store + m,
      produces: QUEUE_CHECKS,
      run: async ({ signal }) => {
        const r = await within(STAGE.store, () => Promise.all([inp.queue(), inp.events()]), signal);
        if (!r.ok) throw new Error(`the store did not answer within ${STAGE.store} ms`);
        const [q, events] = r.value;
        return { checks: [...queueChecks(q, inp.settings.enabled, inp.now()), logsCheck(events)] };
      },
    },
    {
      id: 'smtp',
      label: inp.config.relayHost ? 'relay connection' : 'MX connection',
      limitMs: Math.max(STAGE.dns, STAGE.mx) + Math.max(STAGE.connect + STAGE.banner + Math.max(STAGE.silentProbe, STAGE.ehlo), STAGE.session) + m,
      produces: smtpChecks(inp),
      run: async ({ signal }) => ({ checks: await smtpTask(inp, signal) }),
    },
    {
      id: 'addresses',
      label: 'sending IP',
      // Relay on loopback: the relay's name, then this host's.
      limitMs: 2 * STAGE.dns + m,
      produces: ADDRESS_CHECKS,
      run: async ({ signal }) => {
        const r = await addressTask(inp, signal);
        return { checks: r.checks, value: r.value };
      },
    },
    {
      id: 'sender',
      label: 'SPF, DKIM and DMARC',
      after: ['addresses'],
      limitMs: Math.max(STAGE.spf, 2 * STAGE.dkim) + STAGE.dmarc + m,
      produces: SENDER_CHECKS,
      run: async ({ signal, input }) => ({ checks: await senderTask(inp, input<SendingAddresses>('addresses'), signal) }),
    },
    {
      id: 'reverse',
      label: 'reverse DNS',
      after: ['addresses'],
      limitMs: 2 * STAGE.dns + m,
      produces: REVERSE_CHECKS,
      run: async ({ signal, input }) => ({ checks: await reverseTask(inp, input<SendingAddresses>('addresses'), signal) }),
    },
    {
      id: 'blocklists',
      label: 'blocklists',
      after: ['addresses'],
      limitMs: 2 * STAGE.dns + m,
      produces: BLOCKLIST_CHECKS,
      run: async ({ signal, input }) => ({ checks: await blocklistTask(inp, input<SendingAddresses>('addresses'), signal) }),
    },
    { id: 'reminders', label: 'reminders', limitMs: 100 + m, produces: REMINDER_CHECKS, run: async () => ({ checks: [spamCheck()] }) },
  ];
}

/** Runs every check; resolves within {@link RUN_LIMIT_MS} whatever the network does. */
export function runDoctor(inp: DoctorInputs, onProgress?: (p: DoctorProgress) => void, deadlineMs = RUN_LIMIT_MS): Promise<DoctorCheck[]> {
  return runPlan(doctorPlan(inp), { deadlineMs, sections: DOCTOR_SECTIONS, onProgress });
}
