/** `doctor`: the troubleshooting checks of the admin guide. */
import type { DoctorCheck } from '../../engine/index.js';
import type { TableReply } from '../reply.js';
import type { Handler } from './context.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok', warn: 'WARN', fail: 'FAIL', skip: 'skip' };

export const doctor: Handler = async (_cmd, { engine }) => {
  const checks = await engine.doctor();
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const reply: TableReply = {
    kind: 'table',
    title: 'Doctor',
    columns: [
      { key: 'status', label: 'Result' },
      { key: 'title', label: 'Check', fit: 'wrap' },
      { key: 'detail', label: 'Detail', fit: 'wrap' },
      { key: 'hint', label: 'What to do', fit: 'wrap' },
    ],
    rows: checks.map((c) => ({ status: MARK[c.status], title: c.title, detail: c.detail, hint: c.hint ?? '' })),
    empty: 'No checks ran.',
    footer: failed || warned ? `${failed} failed, ${warned} warning${warned === 1 ? '' : 's'}.` : 'All checks passed.',
    ok: failed === 0,
    data: { checks },
  };
  return reply;
};
