/**
 * Block Kit builders that never exceed Slack's limits (see `limits.ts`).
 * Text passed in is mrkdwn already escaped by the caller unless noted.
 */
import type { types } from '@slack/bolt';
import { SLACK_LIMITS as L, clip } from './limits.js';

export type Block = types.KnownBlock;
export type ButtonElement = types.Button;

/** Plain-text header (Slack escapes plain text itself). */
export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text || ' ', L.headerText), emoji: true } };
}

export function section(mrkdwn: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(mrkdwn || ' ', L.sectionText) } };
}

/** Label/value pairs as two-column section fields, 10 per section. */
export function fieldSections(pairs: { label: string; value: string }[]): Block[] {
  const out: Block[] = [];
  for (let i = 0; i < pairs.length; i += L.fieldsPerSection) {
    const fields = pairs.slice(i, i + L.fieldsPerSection).map((p) => ({
      type: 'mrkdwn' as const,
      text: clip(`*${p.label}*\n${p.value || ' '}`, L.fieldText),
    }));
    out.push({ type: 'section', fields });
  }
  return out;
}

export function context(mrkdwn: string): Block {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: clip(mrkdwn || ' ', L.contextText) }] };
}

export function divider(): Block {
  return { type: 'divider' };
}

/** Slack's own "Are you sure?" dialog before a button acts (Block Kit `confirm` object). Text is plain (Slack escapes it). */
export interface ConfirmDialog {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style?: 'primary' | 'danger';
}

/** A button whose `value` carries an opaque token back to the adapter; with `confirm`, Slack asks before sending the press. */
export function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger', confirm?: ConfirmDialog): ButtonElement {
  const b: ButtonElement = {
    type: 'button',
    action_id: clip(actionId, L.actionId),
    text: { type: 'plain_text', text: clip(label || ' ', L.buttonText), emoji: true },
    value: clip(value, L.buttonValue),
  };
  if (style) b.style = style;
  if (confirm) {
    b.confirm = {
      title: { type: 'plain_text', text: clip(confirm.title || ' ', L.confirmTitle) },
      text: { type: 'plain_text', text: clip(confirm.text || ' ', L.confirmText) },
      confirm: { type: 'plain_text', text: clip(confirm.confirm || ' ', L.confirmButton) },
      deny: { type: 'plain_text', text: clip(confirm.deny || ' ', L.confirmButton) },
      ...(confirm.style ? { style: confirm.style } : {}),
    };
  }
  return b;
}

export function actions(buttons: ButtonElement[], blockId?: string): Block {
  const block: Block = { type: 'actions', elements: buttons.slice(0, L.actionsElements) };
  if (blockId) block.block_id = blockId;
  return block;
}

/**
 * Monospace text as one or more sections of ``` code blocks, split on line
 * boundaries so each section stays under the 3000-character limit. Lines are
 * escaped here; a single over-long line is clipped.
 */
export function codeSections(lines: string[], escape: (s: string) => string): Block[] {
  const fence = '```';
  const room = L.sectionText - 2 * fence.length - 2;
  const out: Block[] = [];
  let chunk: string[] = [];
  let size = 0;
  const push = () => {
    if (chunk.length) out.push(section(`${fence}\n${chunk.join('\n')}\n${fence}`));
    chunk = [];
    size = 0;
  };
  for (const raw of lines) {
    const line = clip(escape(raw), room);
    if (size + line.length + 1 > room) push();
    chunk.push(line);
    size += line.length + 1;
  }
  push();
  return out;
}
