/**
 * The private dialog for secrets (`config set sasl-password` in chat). The
 * modal carries, in `private_metadata`, what the submission needs to answer:
 * the setting key, the channel and the `response_url` of the prompt message.
 */
import type { types } from '@slack/bolt';
import { SLACK_LIMITS as L, clip, escapeMrkdwn } from './limits.js';

/** callback_id of the secret modal. */
export const SECRET_CALLBACK_ID = 'smtp.secret.modal';
/** block_id / action_id of the input holding the value. */
export const SECRET_BLOCK_ID = 'secret';
export const SECRET_INPUT_ID = 'value';

/** What travels with the modal (never the value). */
export interface SecretModalMeta {
  field: string;
  channel?: string;
  responseUrl?: string;
}

export function secretModal(meta: SecretModalMeta): types.ModalView {
  const json = JSON.stringify(meta);
  if (json.length > L.privateMetadata) throw new Error(`secret modal metadata is ${json.length} characters; Slack allows ${L.privateMetadata}`);
  return {
    type: 'modal',
    callback_id: SECRET_CALLBACK_ID,
    private_metadata: json,
    title: { type: 'plain_text', text: clip('smtp-ops', L.modalTitle) },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Set \`${escapeMrkdwn(meta.field)}\`. The value is stored encrypted and never shown in the channel, logs or events.` },
      },
      {
        type: 'input',
        block_id: SECRET_BLOCK_ID,
        label: { type: 'plain_text', text: clip(meta.field, 2000) },
        // A PEM key is many lines; Slack caps the input at 3,000 characters (a 2048-bit key is about 1,700).
        element: { type: 'plain_text_input', action_id: SECRET_INPUT_ID, min_length: 1, max_length: 3000, ...(meta.field === 'dkim-private-key' ? { multiline: true } : {}) },
      },
    ],
  };
}

/** Read the metadata back; a tampered or foreign modal yields null. */
export function parseSecretMeta(raw: string): SecretModalMeta | null {
  try {
    const v = JSON.parse(raw) as Partial<SecretModalMeta>;
    if (typeof v.field !== 'string' || !v.field) return null;
    return {
      field: v.field,
      channel: typeof v.channel === 'string' ? v.channel : undefined,
      responseUrl: typeof v.responseUrl === 'string' ? v.responseUrl : undefined,
    };
  } catch {
    return null;
  }
}
