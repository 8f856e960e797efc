/**
 * Discord's message limits, and the one place that enforces them on a
 * rendered message so every renderer can stay simple.
 */
import type { APIEmbed } from 'discord.js';
import type { DiscordMessage } from './message.js';

/** Limits from Discord's API documentation (Embed Limits, Message, Components). */
export const LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  embedTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
} as const;

/** Cut `s` to `max` characters, marking the cut with an ellipsis. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return max <= 1 ? s.slice(0, max) : `${s.slice(0, max - 1)}…`;
}

function embedLength(e: APIEmbed): number {
  return (
    (e.title?.length ?? 0) +
    (e.description?.length ?? 0) +
    (e.footer?.text.length ?? 0) +
    (e.author?.name.length ?? 0) +
    (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0)
  );
}

function clampEmbed(e: APIEmbed): APIEmbed[] {
  const out: APIEmbed = { ...e };
  if (out.title !== undefined) out.title = clip(out.title, LIMITS.title);
  if (out.description !== undefined) out.description = clip(out.description, LIMITS.description);
  if (out.footer) out.footer = { ...out.footer, text: clip(out.footer.text, LIMITS.footer) };
  if (out.author) out.author = { ...out.author, name: clip(out.author.name, LIMITS.authorName) };
  const fields = (out.fields ?? []).map((f) => ({
    ...f,
    name: clip(f.name || '\u200b', LIMITS.fieldName),
    value: clip(f.value || '\u200b', LIMITS.fieldValue),
  }));
  if (fields.length <= LIMITS.fields) return [{ ...out, ...(fields.length ? { fields } : {}) }];
  // More than 25 fields: continue in further embeds of the same colour.
  const parts: APIEmbed[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.fields) {
    const chunk = fields.slice(i, i + LIMITS.fields);
    parts.push(i === 0 ? { ...out, fields: chunk } : { color: out.color, fields: chunk });
  }
  return parts;
}

const TRUNCATED = '… (cut to fit Discord\'s message limits)';

/**
 * Make a rendered message valid for Discord: clamp every string, split
 * oversized field lists, keep at most 10 embeds and 6000 characters of embed
 * text, 2000 of content, 5 rows of 5 buttons. What is cut is marked, never silently dropped.
 */
export function fitMessage(msg: DiscordMessage): { message: DiscordMessage; cut: boolean } {
  let embeds = msg.embeds.flatMap(clampEmbed);
  let cut = false;
  if (embeds.length > LIMITS.embedsPerMessage) {
    embeds = embeds.slice(0, LIMITS.embedsPerMessage);
    cut = true;
  }
  const budget = LIMITS.embedTotal - TRUNCATED.length;
  let used = 0;
  const kept: APIEmbed[] = [];
  for (const e of embeds) {
    const len = embedLength(e);
    if (used + len <= budget) {
      kept.push(e);
      used += len;
      continue;
    }
    cut = true;
    const room = budget - used - (e.title?.length ?? 0) - (e.footer?.text.length ?? 0);
    if (room > 40) {
      const fields: NonNullable<APIEmbed['fields']> = [];
      let left = room;
      const description = e.description !== undefined ? clip(e.description, Math.max(1, Math.min(e.description.length, left))) : undefined;
      left -= description?.length ?? 0;
      for (const f of e.fields ?? []) {
        if (f.name.length + f.value.length > left) break;
        fields.push(f);
        left -= f.name.length + f.value.length;
      }
      kept.push({ ...e, description, fields: fields.length ? fields : undefined });
    }
    break;
  }
  if (cut) {
    const last = kept[kept.length - 1];
    if (last) last.footer = { text: last.footer ? clip(`${last.footer.text} ${TRUNCATED}`, LIMITS.footer) : TRUNCATED };
    else kept.push({ description: TRUNCATED });
  }
  const components = msg.components.slice(0, LIMITS.rows).map((row) => ({ ...row, components: row.components.slice(0, LIMITS.buttonsPerRow) }));
  return {
    message: { ...msg, content: msg.content === undefined ? undefined : clip(msg.content, LIMITS.content), embeds: kept, components },
    cut,
  };
}
