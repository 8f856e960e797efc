/** `dkim keygen` (a new key pair, confirmed when it replaces one) and `dkim show` (the DNS record to publish). */
import type { DkimRecord } from '../../engine/index.js';
import type { FieldsReply, Reply } from '../reply.js';
import { confirmReply } from './confirm.js';
import type { Handler } from './context.js';

/** The record as fields an operator copies into DNS. */
export function recordReply(r: DkimRecord, title: string, footer: string): FieldsReply {
  return {
    kind: 'fields',
    title,
    fields: [
      { label: 'Name', value: r.name },
      { label: 'Type', value: 'TXT', inline: true },
      { label: 'Key', value: `${r.bits}-bit RSA, selector ${r.selector}, domain ${r.domain}`, inline: true },
      { label: 'Value', value: r.value },
      { label: 'Zone file', value: r.zone },
    ],
    footer,
    data: { record: r },
  };
}

export const dkimKeygen: Handler = async (cmd, env) => {
  const { engine, ctx } = env;
  const selector = typeof cmd.options.selector === 'string' ? cmd.options.selector : undefined;
  const bits = typeof cmd.options.bits === 'number' ? cmd.options.bits : undefined;
  const view = await engine.getSettings();
  if (view.dkimPrivateKey !== '(not set)' && !ctx.confirmed) {
    const current = view.dkimSelector ? `selector ${view.dkimSelector}${view.dkimDomain ? ` of ${view.dkimDomain}` : ''}` : 'the key that is set';
    const same = selector !== undefined && selector.toLowerCase() === view.dkimSelector;
    const text = same
      ? `This replaces the DKIM key of ${current} with a new one under the same selector: once you publish the new record, mail already signed with the old key and still on its way fails verification. A new selector (leave out --selector) avoids that.`
      : `This replaces the DKIM key of ${current}. Mail is signed with the new key at once, under a new selector; publish its record right away, and keep the old ${view.dkimSelector ? `${view.dkimSelector}._domainkey record` : 'record'} for a few days so mail already sent still verifies.`;
    return confirmReply(cmd, env, 'Replace the DKIM key?', text, 'Replace key', { selector: view.dkimSelector });
  }
  const r = await engine.dkimKeygen({ selector, bits }, ctx.actor);
  return recordReply(r, 'DKIM key generated', `Mail from ${r.domain} (and its subdomains) is signed from now on. Publish this TXT record in the DNS of ${r.domain}; until receivers can see it, they cannot verify the signatures. Then run \`doctor\` to check it.`);
};

export const dkimShow: Handler = async (_cmd, { engine }): Promise<Reply> => {
  const r = await engine.dkimRecord();
  if (!r) {
    const view = await engine.getSettings();
    const missing = view.dkimPrivateKey === '(not set)' ? 'no dkim-private-key' : !view.dkimDomain ? 'no dkim-domain' : 'no dkim-selector';
    return { kind: 'message', tone: 'warning', title: 'DKIM is not set up', text: `Mail is not DKIM-signed (${missing}). Make a key and its DNS record with \`dkim keygen\`.`, data: { record: null }, ok: false };
  }
  return recordReply(r, 'DKIM record to publish', `Publish this TXT record in the DNS of ${r.domain}; \`doctor\` checks that the published key matches.`);
};
