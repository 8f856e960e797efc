/**
 * Slack's documented Block Kit and message limits, and the text helpers that
 * keep rendered output inside them. Slack rejects a whole message with
 * `invalid_blocks` when one element is over a limit, so every builder clips.
 */

/** Limits as documented at https://api.slack.com/reference/block-kit. */
export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  /** Top-level `text` of a message (the notification fallback); Slack truncates at 40,000. */
  messageText: 3000,
  /** A button's confirmation dialog (composition object `confirm`). */
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
} as const;

const ELLIPSIS = '…';

/** Cut `text` to at most `max` characters (code points are not split), marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - ELLIPSIS.length));
  // Do not leave half of a surrogate pair at the end.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}

/**
 * Escape the three characters Slack's mrkdwn treats as control: `<` and `>`
 * would otherwise form links or `<!channel>` pings from user data (subjects,
 * addresses like `<a@b>`), and `&` starts entities.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Neutralise backticks inside a code block so user data cannot end it early. */
export function escapeCode(text: string): string {
  return escapeMrkdwn(text).replace(/```/g, 'ˋˋˋ');
}
