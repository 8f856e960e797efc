/**
 * Slash command text as Slack sends it -> a grammar line. With "escape
 * channels, users and links" on (the manifest sets it), Slack turns `@bob`
 * into `<@U123|bob>` and mail addresses into `<mailto:a@b|a@b>`, and always
 * sends `&`, `<`, `>` as entities.
 */

/** The adapter's own word: post the answer in the channel instead of only to the requester. */
export const SHARE_FLAG = '--share';

/** Turn Slack's escapes back into plain words; users become access subjects (`slack:U123`). */
export function unescapeSlackText(text: string): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g, 'slack:$1')
    .replace(/<#(C[A-Z0-9]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/<mailto:([^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/<((?:https?|ftp):[^|>]+)(?:\|[^>]*)?>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Remove a standalone `--share` word; report whether it was there. */
export function splitShare(text: string): { text: string; shared: boolean } {
  const words = text.split(/(\s+)/);
  let shared = false;
  const kept = words.filter((w) => {
    if (w === SHARE_FLAG) {
      shared = true;
      return false;
    }
    return true;
  });
  return { text: kept.join('').trim(), shared };
}
