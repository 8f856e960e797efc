/**
 * Replies: what every command returns. Plain data, no formatting; each adapter
 * (terminal, Slack, Discord) owns a renderer for every kind. `data` is the
 * machine-readable payload the CLI prints with `--json`.
 */
import type { Actor, AlertTarget, CheckStatus, Role } from '../engine/index.js';

/** A button. `id` is an opaque action token; the adapter hands it back to `Runner.action`. */
export interface Action {
  id: string;
  label: string;
  style: 'primary' | 'danger' | 'default';
  kind: 'page-next' | 'page-prev' | 'confirm' | 'cancel';
}

/**
 * Who may see a reply in chat. `requester`: only the one who asked or pressed
 * the button (a refusal, an expired button, a password prompt), even when the
 * command was shared, and a pressed message stays as it is. `channel`: where
 * it was asked (in the channel when shared; a button's message is replaced).
 */
export type Audience = 'requester' | 'channel';

interface Base {
  /** Machine-readable payload (`--json`). */
  data?: unknown;
  /** false when the operation failed (CLI exit code 1; 2 for usage/validation errors). Default true. */
  ok?: boolean;
  /** Set by the runner on every reply it returns (see `audience.ts`); adapters render it, terminals ignore it. */
  audience?: Audience;
}

/** A sentence or short paragraph. */
export interface MessageReply extends Base {
  kind: 'message';
  tone: 'info' | 'success' | 'warning' | 'error';
  title?: string;
  text: string;
}

/** Labelled values (settings, one queue message, counts). */
export interface FieldsReply extends Base {
  kind: 'fields';
  title: string;
  fields: { label: string; value: string; inline?: boolean }[];
  footer?: string;
}

/** Rows with paging. Cells are already strings. */
export interface TableReply extends Base {
  kind: 'table';
  title: string;
  columns: { key: string; label: string; align?: 'left' | 'right' }[];
  rows: Record<string, string>[];
  /** Shown when `rows` is empty. */
  empty: string;
  page?: { number?: number; next?: Action; prev?: Action };
  footer?: string;
}

/** "This will delete 1,234 messages. Continue?" with Yes/No. */
export interface ConfirmReply extends Base {
  kind: 'confirm';
  title: string;
  /** Exactly what will happen, with counts. */
  text: string;
  yes: Action;
  no: Action;
  /** Only this actor may press the buttons. */
  requester: string;
  /** ms since epoch. */
  expiresAt: number;
}

export type ErrorCodeName = 'usage' | 'validation' | 'denied' | 'not-found' | 'failed' | 'expired' | 'conflict' | 'internal';

/** A user-facing error: short, with the closest correct usage. Never a stack trace. */
export interface ErrorReply extends Base {
  kind: 'error';
  code: ErrorCodeName;
  message: string;
  /** The correct usage line of the closest command. */
  usage?: string;
  /** "Did you mean `queue flush`?" */
  suggestion?: string;
  /** Per-field problems (validation). */
  issues?: { field: string; rule: string; message: string }[];
}

/** Progress of a long operation; adapters update one message/line in place. */
export interface ProgressReply extends Base {
  kind: 'progress';
  label: string;
  done: number;
  total: number;
  /** Steps so far (finished ones with their outcome, then those still running), for work made of named steps (the doctor). */
  steps?: { status: CheckStatus | 'running'; title: string }[];
}

/** One item of a checklist: an outcome, what was found, and what to do. */
export interface CheckItem {
  status: CheckStatus;
  title: string;
  detail: string;
  /** The fix, in words; commands in backticks. */
  hint?: string;
}

/**
 * A checklist in sections (the doctor). Renderers wrap long text and never cut a detail or a
 * hint: when a chat message cannot hold everything, the full text goes along as a file.
 */
export interface ChecksReply extends Base {
  kind: 'checks';
  title: string;
  /** What was checked, in one line (route, sender, test recipient). */
  subtitle?: string;
  sections: { title: string; items: CheckItem[] }[];
  footer?: string;
}

/** The command needs a secret typed privately (REPL hidden prompt, chat modal, CLI --password-stdin). */
export interface SecretPromptReply extends Base {
  kind: 'secret-prompt';
  /** Setting key, e.g. `sasl-password`. */
  field: string;
  title: string;
  text: string;
}

/** A bar chart (per-hour traffic). Renderers draw Unicode bars; chat adapters may attach a PNG. */
export interface ChartReply extends Base {
  kind: 'chart';
  title: string;
  /** X labels, e.g. `00`..`23`. */
  labels: string[];
  series: ChartSeries[];
  /** What the x axis counts in (`hour`, `day`), for the image's axis name. */
  xName?: string;
  /** Terminal only: write this chart as a PNG to this path (`report --png FILE`); the terminal says where. */
  savePng?: string;
}

/** One series of a chart. */
export interface ChartSeries {
  name: string;
  values: number[];
  /** What one unit counts (`messages`, `recipients`, `submissions`): the image gives each unit its own axis. */
  unit?: string;
  /** `problems` series are drawn in a lower panel on their own scale, so they stay visible beside large traffic. */
  panel?: 'traffic' | 'problems';
}

/** A file to attach (a long `report --full` in chat); terminals print `content`. */
export interface FileReply extends Base {
  kind: 'file';
  title: string;
  filename: string;
  mime: string;
  content: string;
}

/** Several parts under one title (the status dashboard, a report). */
export interface GroupReply extends Base {
  kind: 'group';
  title: string;
  parts: Reply[];
}

export type Reply =
  | MessageReply
  | FieldsReply
  | TableReply
  | ConfirmReply
  | ErrorReply
  | ProgressReply
  | SecretPromptReply
  | ChartReply
  | FileReply
  | GroupReply
  | ChecksReply;

/** Where a command came from and how to talk back. */
export interface RunContext {
  actor: Actor;
  /** Chat: secrets typed inline are refused; terminals: allowed. */
  surface: 'chat' | 'terminal';
  /** The chat channel the command came from (follow-ups, `alerts subscribe`). */
  channel?: AlertTarget;
  /** The actor's role, when the adapter resolved it already; otherwise the runner resolves it. */
  role?: Role;
  /** Destructive commands run without asking (CLI `--yes`, REPL after y). */
  confirmed?: boolean;
  /** Progress of long work; adapters update in place. */
  onProgress?: (p: ProgressReply) => void;
  /** Later replies of the same command (the outcome of `test`). */
  followUp?: (r: Reply) => void;
}

/** Exit code of the one-shot CLI for a reply: 0 ok, 1 operation failed, 2 usage or validation error. */
export function exitCodeOf(r: Reply): 0 | 1 | 2 {
  if (r.kind === 'error') return r.code === 'usage' || r.code === 'validation' ? 2 : 1;
  if (r.ok === false) return 1;
  if (r.kind === 'group' && r.parts.some((p) => exitCodeOf(p) !== 0)) return r.parts.map(exitCodeOf).reduce((a, b) => (a > b ? a : b), 0 as 0 | 1 | 2);
  return 0;
}
