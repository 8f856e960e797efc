/**
 * The Block Kit limits real Slack enforces (it answers `invalid_blocks` when
 * one is broken), so the fake refuses what Slack would refuse.
 */

type Json = Record<string, any>;

const BLOCK_TYPES = new Set(['section', 'header', 'context', 'actions', 'divider', 'image', 'input', 'rich_text', 'file', 'video', 'markdown', 'table']);

function text(t: Json | undefined, max: number, where: string, problems: string[]): void {
  if (!t) return;
  if (typeof t.text !== 'string' || t.text.length === 0) problems.push(`${where}: text must be a non-empty string`);
  else if (t.text.length > max) problems.push(`${where}: text is ${t.text.length} characters, max ${max}`);
  if (t.type !== 'mrkdwn' && t.type !== 'plain_text') problems.push(`${where}: text type must be mrkdwn or plain_text`);
}

function element(e: Json, where: string, problems: string[], actionIds: Set<string>): void {
  if (e.action_id !== undefined) {
    if (String(e.action_id).length > 255) problems.push(`${where}: action_id longer than 255`);
    if (actionIds.has(e.action_id)) problems.push(`${where}: duplicate action_id ${e.action_id}`);
    actionIds.add(e.action_id);
  }
  if (e.type === 'button') {
    if (e.text?.type !== 'plain_text') problems.push(`${where}: button text must be plain_text`);
    text(e.text, 75, `${where}.text`, problems);
    if (e.value !== undefined && String(e.value).length > 2000) problems.push(`${where}: button value longer than 2000`);
    if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') problems.push(`${where}: button style must be primary or danger`);
    if (e.confirm !== undefined) confirmProblems(e.confirm, `${where}.confirm`, problems);
  }
}

/** The confirmation dialog object: title, text, confirm and deny, within their limits (plain_text, except text which may be mrkdwn). */
function confirmProblems(c: Json, where: string, problems: string[]): void {
  if (typeof c !== 'object' || c === null) {
    problems.push(`${where}: must be an object`);
    return;
  }
  for (const [key, max] of [['title', 100], ['text', 300], ['confirm', 30], ['deny', 30]] as const) {
    if (!c[key]) {
      problems.push(`${where}.${key} is required`);
      continue;
    }
    text(c[key], max, `${where}.${key}`, problems);
    if (key !== 'text' && c[key].type !== 'plain_text') problems.push(`${where}.${key} must be plain_text`);
  }
  if (c.style !== undefined && c.style !== 'primary' && c.style !== 'danger') problems.push(`${where}.style must be primary or danger`);
  for (const k of Object.keys(c)) if (!['title', 'text', 'confirm', 'deny', 'style'].includes(k)) problems.push(`${where}: unknown field ${k}`);
}

/** Every broken rule, empty when Slack would accept the blocks. */
export function blockProblems(blocks: unknown, surface: 'message' | 'modal' = 'message'): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  const max = surface === 'modal' ? 100 : 50;
  if (blocks.length > max) problems.push(`${blocks.length} blocks, max ${max}`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  blocks.forEach((b: Json, i) => {
    const where = `blocks[${i}]`;
    if (!BLOCK_TYPES.has(b?.type)) {
      problems.push(`${where}: unknown block type ${b?.type}`);
      return;
    }
    if (b.block_id !== undefined) {
      if (String(b.block_id).length > 255) problems.push(`${where}: block_id longer than 255`);
      if (blockIds.has(b.block_id)) problems.push(`${where}: duplicate block_id ${b.block_id}`);
      blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'section':
        if (!b.text && !b.fields) problems.push(`${where}: section needs text or fields`);
        text(b.text, 3000, `${where}.text`, problems);
        if (b.fields) {
          if (b.fields.length > 10) problems.push(`${where}: ${b.fields.length} fields, max 10`);
          b.fields.forEach((f: Json, j: number) => text(f, 2000, `${where}.fields[${j}]`, problems));
        }
        if (b.accessory) element(b.accessory, `${where}.accessory`, problems, actionIds);
        break;
      case 'header':
        if (b.text?.type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        text(b.text, 150, `${where}.text`, problems);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) problems.push(`${where}: context needs 1 to 10 elements`);
        else b.elements.forEach((e: Json, j: number) => text(e, 3000, `${where}.elements[${j}]`, problems));
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) problems.push(`${where}: actions needs 1 to 25 elements`);
        else b.elements.forEach((e: Json, j: number) => element(e, `${where}.elements[${j}]`, problems, actionIds));
        break;
      case 'input':
        if (surface !== 'modal') problems.push(`${where}: input blocks belong in modals`);
        text(b.label, 2000, `${where}.label`, problems);
        if (b.element) element(b.element, `${where}.element`, problems, actionIds);
        break;
    }
  });
  return problems;
}

/** Modal view rules (views.open answers `invalid_arguments` otherwise). */
export function viewProblems(view: Json): string[] {
  const problems: string[] = [];
  if (view?.type !== 'modal') problems.push('view.type must be modal');
  text(view?.title, 24, 'view.title', problems);
  if (view?.submit) text(view.submit, 24, 'view.submit', problems);
  if (view?.close) text(view.close, 24, 'view.close', problems);
  if (view?.private_metadata !== undefined && String(view.private_metadata).length > 3000) problems.push('view.private_metadata longer than 3000');
  if (view?.callback_id !== undefined && String(view.callback_id).length > 255) problems.push('view.callback_id longer than 255');
  return problems.concat(blockProblems(view?.blocks, 'modal'));
}
