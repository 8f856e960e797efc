/**
 * Reply -> Slack message (Block Kit). Every Reply kind renders inside Slack's
 * limits (limits.ts); anything cut says so in the message.
 */
import type { AlertView } from '../../commands/alert-view.js';
import type {
  Action,
  ChartReply,
  ChecksReply,
  ConfirmReply,
  ErrorReply,
  FieldsReply,
  FileReply,
  MessageReply,
  ProgressReply,
  Reply,
  SecretPromptReply,
  TableReply,
} from '../../commands/reply.js';
import { type Block, type ButtonElement, type ConfirmDialog, actions, button, codeSections, context, divider, fieldSections, header, section } from './blocks.js';
import { chartLines } from '../../commands/render/unicode-chart.js';
import { SLACK_LIMITS as L, clip, escapeCode, escapeMrkdwn } from './limits.js';
import { tableLines } from './table.js';

/** action_id prefix of every runner action button; the value is the runner's action token. */
export const ACTION_PREFIX = 'smtp.action.';
/** action_id of the "Enter password" button; the value is the setting key. */
export const SECRET_ACTION_ID = 'smtp.secret';

/** A file to attach with `files.uploadV2` next to the message. */
export interface SlackUpload {
  filename: string;
  title: string;
  content: Buffer | string;
  altText?: string;
}

/** What the adapter sends: fallback text, blocks, and files to upload (only when the reply is shared in a channel). */
export interface SlackMessage {
  text: string;
  blocks: Block[];
  uploads: SlackUpload[];
}

export interface RenderOptions {
  /** The reply is posted in the channel (not ephemeral): files are uploaded instead of previewed. */
  shared?: boolean;
  /** Optional PNG renderer for charts (uploaded when shared). */
  chartPng?: (c: ChartReply) => Buffer;
}

const TONE_EMOJI: Record<MessageReply['tone'], string> = {
  info: ':information_source:',
  success: ':white_check_mark:',
  warning: ':warning:',
  error: ':x:',
};

/** Lines of a file previewed inline when it is not uploaded. */
const FILE_PREVIEW_LINES = 40;

const esc = escapeMrkdwn;

/** `slack:U123` -> a Slack mention; other identities as escaped text. */
export function mentionOf(subject: string): string {
  const m = /^slack:([A-Z0-9]+)$/i.exec(subject);
  return m ? `<@${m[1]}>` : `\`${esc(subject)}\``;
}

/** Slack date token: shown in each reader's own timezone, with a UTC fallback. */
function slackTime(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const fallback = new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return `<!date^${sec}^{date_short_pretty} {time}|${fallback}>`;
}

function progressBar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const cells = 20;
  const full = Math.round(ratio * cells);
  return `${'█'.repeat(full)}${'░'.repeat(cells - full)} ${Math.round(ratio * 100)}%`;
}

/** action_ids must be unique within a message (a group may hold two paged tables), so the token is part of it. */
function actionButton(a: Action, confirm?: ConfirmDialog): ButtonElement {
  const style = a.style === 'default' ? undefined : a.style;
  return button(`${ACTION_PREFIX}${a.kind}.${a.id}`, a.label, a.id, style, confirm);
}

/** The title line of a part: a header block at top level, bold text inside a group. */
function titleBlock(title: string, nested: boolean): Block {
  return nested ? section(`*${esc(title)}*`) : header(title);
}

function renderMessage(r: MessageReply): Block[] {
  const title = r.title ? `*${esc(r.title)}*\n` : '';
  return [section(`${TONE_EMOJI[r.tone]} ${title}${esc(r.text)}`)];
}

function renderFields(r: FieldsReply, nested: boolean): Block[] {
  const blocks = [titleBlock(r.title, nested), ...fieldSections(r.fields.map((f) => ({ label: esc(f.label), value: esc(f.value) })))];
  if (r.footer) blocks.push(context(esc(r.footer)));
  return blocks;
}

function renderTable(r: TableReply, nested: boolean): Block[] {
  const blocks = [titleBlock(r.title, nested)];
  const notes: string[] = [];
  if (r.rows.length === 0) blocks.push(section(`_${esc(r.empty)}_`));
  else {
    const t = tableLines(r);
    blocks.push(...codeSections(t.lines, escapeCode));
    if (t.hidden.length) notes.push(`Not shown to fit: ${esc(t.hidden.map((c) => c.label).join(', '))}`);
  }
  if (r.page?.number !== undefined) notes.push(`Page ${r.page.number}${r.page.of ? ` of ${r.page.of}${r.page.ofAtLeast ? '+' : ''}` : ''}`);
  if (r.footer) notes.push(esc(r.footer));
  if (notes.length) blocks.push(context(notes.join(' · ')));
  const paging = [r.page?.prev, r.page?.next].filter((a): a is Action => a !== undefined).map((a) => actionButton(a));
  if (paging.length) blocks.push(actions(paging));
  return blocks;
}

function renderConfirm(r: ConfirmReply, nested: boolean): Block[] {
  return [
    titleBlock(r.title, nested),
    section(esc(r.text)),
    context(`Only ${mentionOf(r.requester)} can answer · expires ${slackTime(r.expiresAt)}`),
    // A destructive Yes gets Slack's own dialog too: a stray click on a phone does not delete a queue.
    actions([actionButton(r.yes, r.yes.style === 'danger' ? { title: r.title, text: r.text, confirm: r.yes.label, deny: 'Cancel', style: 'danger' } : undefined), actionButton(r.no)]),
  ];
}

function renderError(r: ErrorReply): Block[] {
  const lines = [`:x: *${esc(r.message)}*`];
  for (const i of r.issues ?? []) lines.push(`• \`${esc(i.field)}\` (${esc(i.rule)}): ${esc(i.message)}`);
  if (r.usage) lines.push(`Usage: \`${escapeCode(r.usage)}\``);
  const blocks = [section(lines.join('\n'))];
  if (r.suggestion) blocks.push(context(esc(r.suggestion)));
  return blocks;
}

const STEP_EMOJI: Record<'ok' | 'warn' | 'fail' | 'skip' | 'running', string> = {
  ok: ':white_check_mark:',
  warn: ':warning:',
  fail: ':x:',
  skip: ':heavy_minus_sign:',
  running: ':hourglass_flowing_sand:',
};

function renderProgress(r: ProgressReply): Block[] {
  const blocks = [section(`:hourglass_flowing_sand: *${esc(r.label)}*\n\`${progressBar(r.done, r.total)}\` ${r.done.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')}`)];
  if (r.steps?.length) blocks.push(...packSections(r.steps.map((st) => `${STEP_EMOJI[st.status]} ${esc(st.title)}`)));
  return blocks;
}

/**
 * Texts joined by line breaks into as few section blocks as Slack's 3,000 characters allow; a
 * single text longer than that continues in the next block (split at a space), never cut.
 */
function packSections(texts: string[]): Block[] {
  const room = L.sectionText - 10;
  const pieces: string[] = [];
  for (const t of texts) {
    let rest = t;
    while (rest.length > room) {
      const at = rest.lastIndexOf(' ', room);
      const cut = at > room / 2 ? at : room;
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut).trimStart();
    }
    pieces.push(rest);
  }
  const out: Block[] = [];
  let chunk = '';
  for (const p of pieces) {
    if (chunk && chunk.length + 1 + p.length > room) {
      out.push(section(chunk));
      chunk = p;
    } else chunk = chunk ? `${chunk}\n${p}` : p;
  }
  if (chunk) out.push(section(chunk));
  return out;
}

/** A checklist: one text per section, every detail and hint in full (hints as quotes; their commands stay code). */
function renderChecks(r: ChecksReply, nested: boolean): Block[] {
  const blocks = [titleBlock(r.title, nested)];
  if (r.subtitle) blocks.push(context(esc(r.subtitle)));
  for (const s of r.sections) {
    const texts = [`*${esc(s.title)}*`];
    for (const i of s.items) {
      texts.push(`${STEP_EMOJI[i.status]} *${esc(i.title)}*\n${esc(i.detail)}${i.hint ? `\n> ${esc(i.hint).replace(/\n/g, '\n> ')}` : ''}`);
    }
    blocks.push(...packSections(texts));
  }
  if (r.footer) blocks.push(context(esc(r.footer)));
  return blocks;
}

function renderSecretPrompt(r: SecretPromptReply, nested: boolean): Block[] {
  return [
    titleBlock(r.title, nested),
    section(esc(r.text)),
    actions([button(SECRET_ACTION_ID, /password/.test(r.field) ? 'Enter password' : 'Enter secret', r.field, 'primary')]),
    context('The value is typed in a private dialog; it is never posted to the channel.'),
  ];
}

function renderChart(r: ChartReply, nested: boolean, opts: RenderOptions, uploads: SlackUpload[]): Block[] {
  const blocks = [titleBlock(r.title, nested), ...codeSections(chartLines(r), escapeCode)];
  if (opts.shared && opts.chartPng) {
    uploads.push({ filename: `${slug(r.title)}.png`, title: r.title, content: opts.chartPng(r), altText: r.title });
  }
  return blocks;
}

function renderFile(r: FileReply, nested: boolean, opts: RenderOptions, uploads: SlackUpload[]): Block[] {
  const lines = r.content.split('\n');
  const blocks = [titleBlock(r.title, nested)];
  if (opts.shared) {
    uploads.push({ filename: r.filename, title: r.title, content: r.content });
    blocks.push(context(`Attached as \`${esc(r.filename)}\` (${lines.length} lines).`));
    return blocks;
  }
  blocks.push(...codeSections(lines.slice(0, FILE_PREVIEW_LINES), escapeCode).slice(0, 3));
  blocks.push(context(`\`${esc(r.filename)}\`: ${lines.length} lines. Add \`--share\` to post the whole file in the channel.`));
  return blocks;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'chart';
}

function renderPart(r: Reply, nested: boolean, opts: RenderOptions, uploads: SlackUpload[]): Block[] {
  switch (r.kind) {
    case 'message':
      return renderMessage(r);
    case 'fields':
      return renderFields(r, nested);
    case 'table':
      return renderTable(r, nested);
    case 'confirm':
      return renderConfirm(r, nested);
    case 'error':
      return renderError(r);
    case 'progress':
      return renderProgress(r);
    case 'secret-prompt':
      return renderSecretPrompt(r, nested);
    case 'chart':
      return renderChart(r, nested, opts, uploads);
    case 'file':
      return renderFile(r, nested, opts, uploads);
    case 'checks':
      return renderChecks(r, nested);
    case 'group': {
      const blocks: Block[] = [titleBlock(r.title, nested)];
      r.parts.forEach((p, i) => {
        if (i > 0) blocks.push(divider());
        blocks.push(...renderPart(p, true, opts, uploads));
      });
      return blocks;
    }
  }
}

/** Short plain summary for notifications and clients that cannot show blocks. */
export function fallbackText(r: Reply): string {
  switch (r.kind) {
    case 'message':
      return clip(r.title ? `${r.title}: ${r.text}` : r.text, L.messageText);
    case 'error':
      return clip(r.message, L.messageText);
    case 'progress':
      return `${r.label}: ${r.done} of ${r.total}`;
    default:
      return clip(r.title, L.messageText);
  }
}

/**
 * Keep a message within 50 blocks. Buttons matter more than the tail of a
 * long table, so actions blocks are kept and the cut is announced.
 */
function fit(blocks: Block[]): Block[] {
  if (blocks.length <= L.blocksPerMessage) return blocks;
  const keep = blocks.filter((b) => b.type === 'actions').slice(0, 5);
  const room = L.blocksPerMessage - keep.length - 1;
  const body = blocks.filter((b) => b.type !== 'actions').slice(0, room);
  const dropped = blocks.length - body.length - keep.length;
  return [...body, context(`${dropped} more blocks not shown (Slack allows ${L.blocksPerMessage}). Use the REPL or \`--json\` for everything.`), ...keep];
}

/** Slack refuses a message with two equal action_ids; a repeated one gets a `.2`, `.3` suffix (routing matches on prefixes). */
function uniqueActionIds(blocks: Block[]): Block[] {
  const seen = new Map<string, number>();
  for (const b of blocks) {
    if (b.type !== 'actions') continue;
    for (const e of b.elements) {
      if (!('action_id' in e) || !e.action_id) continue;
      const n = (seen.get(e.action_id) ?? 0) + 1;
      seen.set(e.action_id, n);
      if (n > 1) e.action_id = `${e.action_id}.${n}`;
    }
  }
  return blocks;
}

/** Render any reply as a Slack message. */
export function renderReply(reply: Reply, opts: RenderOptions = {}): SlackMessage {
  const uploads: SlackUpload[] = [];
  const blocks = uniqueActionIds(fit(renderPart(reply, false, opts, uploads)));
  return { text: esc(fallbackText(reply)), blocks, uploads };
}

/** action_id prefix of the buttons on an alert; the value is the runner's alert token. */
export const ALERT_ACTION_PREFIX = 'smtp.alert.';

const ALERT_EMOJI: Record<AlertView['tone'], string> = { info: ':information_source:', warning: ':warning:', error: ':rotating_light:', success: ':white_check_mark:' };

/** An alert as a channel message: badge and title, status, counts, reasons, the likely fix, buttons. */
export function renderAlert(v: AlertView): SlackMessage {
  const blocks: Block[] = [section(`${ALERT_EMOJI[v.tone]} *${esc(v.badge)}: ${esc(v.title)}*\n${esc(v.status)}\n${esc(v.summary)}`)];
  if (v.fields.length) blocks.push(...v.fields.map((f) => section(`*${esc(f.label)}*\n${esc(f.value)}`)));
  if (v.hint) blocks.push(section(`*Likely fix*\n${esc(v.hint)}`));
  for (const n of v.notes) blocks.push(context(`:hourglass_flowing_sand: ${esc(n)}`));
  if (v.buttons.length) {
    blocks.push(actions(v.buttons.map((b) => button(`${ALERT_ACTION_PREFIX}${b.id.split(':')[1]}`, b.label, b.id, b.style === 'default' ? undefined : b.style))));
  }
  blocks.push(context(esc(v.footer)));
  return { text: esc(clip(`${v.badge}: ${v.title} — ${v.summary}`, L.messageText)), blocks: fit(blocks), uploads: [] };
}
