/**
 * Renders every Reply kind as a Discord message: embeds for text, fields and
 * tables, buttons whose custom_id is the runner's action token, attachments
 * for files and chart PNGs. `fitMessage` enforces Discord's limits last.
 */
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponentWithCustomId, type APIEmbed } from 'discord.js';
import type { AlertView } from '../../commands/alert-view.js';
import type { Action, ChartReply, ChecksReply, ConfirmReply, ErrorReply, ProgressReply, Reply, TableReply } from '../../commands/reply.js';
import { LIMITS, clip, fitMessage } from './limits.js';
import type { DiscordFile, DiscordMessage } from './message.js';
import { chartBlock, tableBlock, tableFields, tableLayout } from './text-blocks.js';

/** Embed colours by tone/level (Discord's brand palette). */
export const COLORS = { info: 0x5865f2, success: 0x57f287, warning: 0xfee75c, error: 0xed4245 } as const;

/** custom_id prefix of the adapter's own "Enter password" button (never a runner token). */
export const SECRET_BUTTON_PREFIX = 'smtp-ops:secret:';
/** custom_id prefix of the secret modal. */
export const SECRET_MODAL_PREFIX = 'smtp-ops:secret-modal:';

/** Optional extras a renderer can use. */
export interface RenderOptions {
  /** Draws a chart as PNG; when given, charts get an attachment besides the Unicode bars. */
  chartPng?: (c: ChartReply) => Buffer | null;
  /** Plain text of a whole reply; when given, a reply too big for one message also comes as a `.txt` attachment. */
  plainText?: (r: Reply) => string;
}

const ERROR_TITLES: Record<ErrorReply['code'], string> = {
  usage: 'Usage',
  validation: 'Invalid input',
  denied: 'Not allowed',
  'not-found': 'Not found',
  failed: 'Failed',
  expired: 'Expired',
  conflict: 'Conflict',
  internal: 'Internal error',
};

const STYLES: Record<Action['style'], ButtonStyle.Primary | ButtonStyle.Danger | ButtonStyle.Secondary> = {
  primary: ButtonStyle.Primary,
  danger: ButtonStyle.Danger,
  default: ButtonStyle.Secondary,
};

type Row = APIActionRowComponent<APIButtonComponentWithCustomId>;

function button(a: Action): APIButtonComponentWithCustomId {
  return { type: ComponentType.Button, custom_id: a.id, label: clip(a.label, LIMITS.buttonLabel), style: STYLES[a.style] };
}

function row(buttons: APIButtonComponentWithCustomId[]): Row[] {
  return buttons.length ? [{ type: ComponentType.ActionRow, components: buttons }] : [];
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** `discord:123` becomes a mention; other actor keys are shown as they are. */
function who(requester: string): string {
  const m = /^discord:(\d+)$/.exec(requester);
  return m ? `<@${m[1]}>` : `\`${requester}\``;
}

function progressBar(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * 20);
  return `\`${'█'.repeat(filled)}${'░'.repeat(20 - filled)}\` ${Math.round(ratio * 100)}% · ${fmt(done)} / ${fmt(total)}`;
}

function table(t: TableReply): { embed: APIEmbed; rows: Row[] } {
  const page = t.page?.number !== undefined ? `Page ${t.page.number}${t.page.of ? ` of ${t.page.of}${t.page.ofAtLeast ? '+' : ''}` : ''}` : '';
  const footer = [page, t.footer ?? ''].filter(Boolean).join(' · ');
  const nav = [t.page?.prev, t.page?.next].filter((a): a is Action => a !== undefined).map(button);
  // A code block keeps columns aligned; when cells would be cut, rows as fields keep every word instead.
  const asFields = t.rows.length > 0 && t.rows.length <= LIMITS.fields && tableLayout(t).cut;
  const body: APIEmbed = !t.rows.length ? { description: t.empty } : asFields ? { fields: tableFields(t) } : { description: tableBlock(t, LIMITS.description) };
  return { embed: { title: t.title, ...body, color: COLORS.info, ...(footer ? { footer: { text: footer } } : {}) }, rows: row(nav) };
}

function confirm(c: ConfirmReply): { embed: APIEmbed; rows: Row[] } {
  const expires = Math.floor(c.expiresAt / 1000);
  return {
    embed: { title: c.title, description: `${c.text}\n\nOnly ${who(c.requester)} may answer; the buttons expire <t:${expires}:R>.`, color: COLORS.warning },
    rows: row([button(c.yes), button(c.no)]),
  };
}

function error(e: ErrorReply): APIEmbed {
  const lines = [e.message];
  if (e.usage) lines.push('', `Usage: \`${e.usage}\``);
  if (e.suggestion) lines.push('', e.suggestion);
  return {
    title: ERROR_TITLES[e.code],
    description: lines.join('\n'),
    color: e.code === 'usage' || e.code === 'validation' ? COLORS.warning : COLORS.error,
    ...(e.issues?.length ? { fields: e.issues.map((i) => ({ name: `${i.field} (${i.rule})`, value: i.message })) } : {}),
  };
}

const STEP_EMOJI: Record<'ok' | 'warn' | 'fail' | 'skip' | 'running', string> = { ok: '✅', warn: '⚠️', fail: '❌', skip: '➖', running: '⏳' };

function progress(r: ProgressReply): APIEmbed {
  const steps = (r.steps ?? []).map((st) => `${STEP_EMOJI[st.status]} ${st.title}`);
  return { title: r.label, description: [progressBar(r.done, r.total), ...steps].join('\n'), color: COLORS.info };
}

function checkText(i: ChecksReply['sections'][number]['items'][number], full: boolean): string {
  const head = `${STEP_EMOJI[i.status]} **${i.title}**`;
  if (!full) return head;
  return `${head}\n${i.detail}${i.hint ? `\n> ${i.hint.replace(/\n/g, '\n> ')}` : ''}`;
}

/**
 * A checklist: one embed per section. What does not fit one message is shortened to its title
 * line (passed checks first, then, within the budget, later problems), never cut mid-text, and
 * the full report comes along as a text file.
 */
function checks(r: ChecksReply, opts: RenderOptions): Parts {
  type Item = ChecksReply['sections'][number]['items'][number];
  const worst = (items: Item[]) => (items.some((i) => i.status === 'fail') ? COLORS.error : items.some((i) => i.status === 'warn') ? COLORS.warning : COLORS.success);
  const content = `**${r.title}**${r.subtitle ? ` · ${r.subtitle}` : ''}`;
  const footerRoom = 200;
  const fixed = r.sections.reduce((n, s) => n + s.title.length, 0) + (r.footer?.length ?? 0) + footerRoom;
  const heads = r.sections.reduce((n, s) => n + s.items.reduce((m, i) => m + checkText(i, false).length + 1, 0), 0);
  let spare = LIMITS.embedTotal - fixed - heads;
  let shortened = 0;
  // Problems get their full text first, in report order, while the message has room; passed checks after them.
  const full = new Set<Item>();
  for (const pass of [(i: Item) => i.status === 'fail' || i.status === 'warn', (i: Item) => i.status === 'ok' || i.status === 'skip']) {
    for (const s of r.sections) {
      let sectionLen = s.items.reduce((m, i) => m + (full.has(i) ? checkText(i, true) : checkText(i, false)).length + 1, 0);
      for (const i of s.items.filter(pass)) {
        const extra = checkText(i, true).length - checkText(i, false).length;
        if (extra <= spare && sectionLen + extra <= LIMITS.description) {
          full.add(i);
          spare -= extra;
          sectionLen += extra;
        }
      }
    }
  }
  const embeds: APIEmbed[] = r.sections.map((s) => ({
    title: s.title,
    description: s.items.map((i) => {
      if (!full.has(i) && (i.detail || i.hint)) shortened++;
      return checkText(i, full.has(i));
    }).join('\n'),
    color: worst(s.items),
  }));
  const note = shortened && opts.plainText ? `${shortened} check(s) shown by title only; the full report is attached.` : '';
  const footer = [r.footer, note].filter(Boolean).join(' ');
  const last = embeds[embeds.length - 1];
  if (last && footer) last.footer = { text: footer };
  const files = shortened && opts.plainText ? [{ name: `${slug(r.title, 'checks')}.txt`, data: Buffer.from(opts.plainText(r), 'utf8'), description: `${r.title} (full report)` }] : [];
  return { content, embeds, rows: [], files };
}

/** Parts of a message before limits are applied. */
interface Parts {
  content?: string;
  embeds: APIEmbed[];
  rows: Row[];
  files: DiscordFile[];
}

function parts(r: Reply, opts: RenderOptions): Parts {
  const only = (embed: APIEmbed, rows: Row[] = [], files: DiscordFile[] = []): Parts => ({ embeds: [embed], rows, files });
  switch (r.kind) {
    case 'message':
      return only({ ...(r.title ? { title: r.title } : {}), description: r.text, color: COLORS[r.tone] });
    case 'fields':
      return only({
        title: r.title,
        color: r.ok === false ? COLORS.error : COLORS.info,
        fields: r.fields.map((f) => ({ name: f.label, value: f.value, inline: f.inline ?? false })),
        ...(r.footer ? { footer: { text: r.footer } } : {}),
      });
    case 'table': {
      const t = table(r);
      return only(t.embed, t.rows);
    }
    case 'confirm': {
      const c = confirm(r);
      return only(c.embed, c.rows);
    }
    case 'error':
      return only(error(r));
    case 'progress':
      return only(progress(r));
    case 'checks':
      return checks(r, opts);
    case 'secret-prompt':
      return only(
        { title: r.title, description: `${r.text}\n\nThe value is typed in a private form and never shown in the channel.`, color: COLORS.info },
        row([{ type: ComponentType.Button, custom_id: `${SECRET_BUTTON_PREFIX}${r.field}`, label: /password/.test(r.field) ? 'Enter password' : 'Enter secret', style: ButtonStyle.Primary }]),
      );
    case 'chart': {
      const png = opts.chartPng?.(r) ?? null;
      const name = `${slug(r.title, 'chart')}.png`;
      return only(
        { title: r.title, description: chartBlock(r, LIMITS.description), color: COLORS.info, ...(png ? { image: { url: `attachment://${name}` } } : {}) },
        [],
        png ? [{ name, data: png }] : [],
      );
    }
    case 'file':
      return only(
        { title: r.title, description: `Attached: \`${r.filename}\` (${fmt(Buffer.byteLength(r.content))} bytes)`, color: COLORS.info },
        [],
        [{ name: r.filename, data: Buffer.from(r.content, 'utf8'), description: r.title }],
      );
    case 'group': {
      const sub = r.parts.map((p) => parts(p, opts));
      return {
        content: `**${r.title}**`,
        embeds: sub.flatMap((s) => s.embeds),
        rows: sub.flatMap((s) => s.rows),
        files: sub.flatMap((s) => s.files),
      };
    }
  }
}

function carriesFile(r: Reply): boolean {
  return r.kind === 'file' || (r.kind === 'group' && r.parts.some(carriesFile));
}

function slug(title: string, fallback: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || fallback;
}

/** Render a reply as one Discord message, within Discord's limits. */
export function renderReply(r: Reply, opts: RenderOptions = {}): DiscordMessage {
  const p = parts(r, opts);
  const { message, cut } = fitMessage({ content: p.content, embeds: p.embeds, components: p.rows, files: p.files });
  if (cut && opts.plainText && !carriesFile(r) && !message.files.some((f) => f.name.endsWith('.txt'))) {
    // Nothing is lost: what did not fit in embeds comes whole as a text file (unless the reply attaches its own).
    const title = 'title' in r && typeof r.title === 'string' ? r.title : 'reply';
    message.files = [...message.files, { name: `${slug(title, 'reply')}.txt`, data: Buffer.from(opts.plainText(r), 'utf8'), description: `${title} (full text)` }];
  }
  return message;
}

const ALERT_COLORS: Record<AlertView['tone'], number> = { info: COLORS.info, warning: COLORS.warning, error: COLORS.error, success: COLORS.success };

/** An alert as a channel message: one embed (status, counts, reasons, fix, notes) and its buttons, whose custom_id is the runner's alert token. */
export function renderAlert(v: AlertView): DiscordMessage {
  const description = [v.status, v.summary, ...(v.hint ? ['', `**Likely fix**: ${v.hint}`] : [])].join('\n');
  const fields = [...v.fields.map((f) => ({ name: f.label, value: f.value, inline: false })), ...v.notes.map((n) => ({ name: 'Note', value: n, inline: false }))];
  const buttons = v.buttons.map((b) => ({ type: ComponentType.Button as const, custom_id: b.id, label: clip(b.label, LIMITS.buttonLabel), style: STYLES[b.style] }));
  return fitMessage({
    embeds: [
      {
        title: `${v.badge}: ${v.title}`,
        description,
        color: ALERT_COLORS[v.tone],
        timestamp: new Date(v.time).toISOString(),
        ...(fields.length ? { fields } : {}),
        footer: { text: v.footer },
      },
    ],
    components: row(buttons),
    files: [],
  }).message;
}
