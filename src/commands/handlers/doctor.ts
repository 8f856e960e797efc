/** `doctor [--to addr|domain]`: the admin guide's troubleshooting checks, streamed as they finish. */
import type { DoctorCheck, DoctorProgress, DoctorSection } from '../../engine/index.js';
import { DOCTOR_SECTIONS } from '../../engine/index.js';
import type { ChecksReply, ProgressReply } from '../reply.js';
import { tally } from '../render/checklist.js';
import type { Handler } from './context.js';

/** Section titles, in the words of the admin guide. */
export const SECTION_TITLES: Readonly<Record<DoctorSection, string>> = {
  settings: 'Settings',
  connection: 'Connection (firewall, SMTP, TLS)',
  authentication: 'Authentication',
  'relay-permission': 'Relay permission',
  'sender-domain': 'Sender domain (SPF, DKIM, DMARC)',
  'reverse-dns': 'Reverse DNS',
  blocklists: 'Blocklists',
  queue: 'Queue and events (Check Logs)',
  reminders: 'Reminders',
};

function progressOf(p: DoctorProgress): ProgressReply {
  return {
    kind: 'progress',
    label: 'doctor',
    done: p.done,
    total: p.total,
    steps: [...p.checks.map((c) => ({ status: c.status, title: c.title })), ...p.running.map((title) => ({ status: 'running' as const, title }))],
  };
}

export const doctor: Handler = async (cmd, { engine, ctx }) => {
  const started = Date.now();
  const to = typeof cmd.options.to === 'string' ? cmd.options.to : undefined;
  const onProgress = ctx.onProgress;
  const checks: DoctorCheck[] = await engine.doctor({ to, ...(onProgress ? { onProgress: (p: DoctorProgress) => onProgress(progressOf(p)) } : {}) });
  const view = await engine.getSettings();
  const elapsedMs = Date.now() - started;
  const sections = DOCTOR_SECTIONS.map((s) => ({
    title: SECTION_TITLES[s],
    items: checks.filter((c) => c.section === s).map((c) => ({ status: c.status, title: c.title, detail: c.detail, ...(c.hint ? { hint: c.hint } : {}) })),
  })).filter((s) => s.items.length > 0);
  const t = tally({ sections });
  const took = `${(elapsedMs / 1000).toFixed(1)} s`;
  const reply: ChecksReply = {
    kind: 'checks',
    title: 'Doctor',
    subtitle: `${view.route}, TLS ${view.tlsMode} · from ${view.fromAddress}${to ? ` · test recipient ${to}` : ''}`,
    sections,
    footer: t.fail || t.warn ? `${t.fail} failed, ${t.warn} warning${t.warn === 1 ? '' : 's'}, ${t.ok} ok (${took}).` : `All checks passed (${took}).`,
    ok: t.fail === 0,
    data: { checks, summary: t, elapsedMs },
  };
  return reply;
};
