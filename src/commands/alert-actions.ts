/**
 * The buttons on an alert, in ONE table: what each runs as a grammar line.
 *
 * A button's token is `alert:<action>:<group id>`: it names a row of this table and a group, not a
 * command, so it survives restarts and does not expire like a confirmation. On a press the runner
 * reads the group, builds the line here, and runs it like a typed line: parsed by the grammar,
 * checked against the presser's role, confirmed when destructive.
 *
 * A group about a recipient domain acts on that domain's mail alone (`queue list --state deferred
 * --domain example.com`, `queue flush --domain example.com`, as `postqueue -s` does): after an
 * outage at one domain, a press must not retry or list everyone else's mail. A group about the
 * relay, the queue or the system acts on the whole queue, since all of it waits behind that. The
 * flush still asks first, naming the domain and how many messages match. The mail log has no
 * domain filter, so "Open log" lists every entry with the group's status.
 */
import type { AlertGroup } from '../engine/index.js';
import type { Action } from './reply.js';
import { quoteWords, tokenize } from './tokenize.js';

export const ALERT_TOKEN_PREFIX = 'alert:';

export interface AlertActionSpec {
  id: string;
  label: string;
  style: Action['style'];
  /** The grammar line the button runs for a group. */
  line(g: AlertGroup): string;
  /** Whether the button makes sense for this group (`waits`: mail waits in the queue because of it). */
  offered(g: AlertGroup, waits: boolean): boolean;
}

/** What `alerts mute` is given for a group: its relay or domain, else its code. */
export function muteTarget(g: Pick<AlertGroup, 'code' | 'scope'>): string {
  return (g.scope.kind === 'relay' || g.scope.kind === 'domain') && g.scope.value ? g.scope.value : g.code;
}

/** The recipient domain a group is about, or null when it is about the relay, the queue or the system. */
export function groupDomain(g: Pick<AlertGroup, 'scope'>): string | null {
  return g.scope.kind === 'domain' && g.scope.value ? g.scope.value : null;
}

/** A line of these words as the grammar reads them back: a word is escaped only when it would not read back as itself. */
function lineOf(words: readonly string[]): string {
  return words
    .map((w) => {
      const t = tokenize(w);
      return t.ok && t.words.length === 1 && t.words[0] === w ? w : quoteWords([w]);
    })
    .join(' ');
}

/** `words` with `--domain <d>` when the group is about a domain. */
function forGroup(g: AlertGroup, ...words: string[]): string {
  const d = groupDomain(g);
  return lineOf(d ? [...words, '--domain', d] : words);
}

function logStatus(code: string): string {
  return code === 'delivery.bounced' ? 'bounced' : code === 'delivery.expired' ? 'expired' : 'deferred';
}

export const ALERT_ACTIONS: readonly AlertActionSpec[] = [
  { id: 'deferred', label: 'Show deferred mail', style: 'primary', line: (g) => forGroup(g, 'queue', 'list', '--state', 'deferred'), offered: (_g, waits) => waits },
  { id: 'flush', label: 'Flush', style: 'danger', line: (g) => forGroup(g, 'queue', 'flush'), offered: (_g, waits) => waits },
  { id: 'mute1h', label: 'Mute 1h', style: 'default', line: (g) => lineOf(['alerts', 'mute', muteTarget(g), '1h']), offered: (g) => g.state === 'firing' },
  { id: 'mute4h', label: 'Mute 4h', style: 'default', line: (g) => lineOf(['alerts', 'mute', muteTarget(g), '4h']), offered: (g) => g.state === 'firing' },
  { id: 'log', label: 'Open log', style: 'default', line: (g) => `log --status ${logStatus(g.code)}`, offered: (g) => g.code.startsWith('delivery.') || g.code.startsWith('relay.') },
];

/** The token of a button. */
export function alertToken(action: string, groupId: string): string {
  return `${ALERT_TOKEN_PREFIX}${action}:${groupId}`;
}

/** A token's action and group, or null when it is not an alert token. */
export function parseAlertToken(token: string): { action: AlertActionSpec; groupId: string } | null {
  const m = /^alert:([a-z0-9]{1,16}):([0-9a-z]{9,20})$/.exec(token);
  if (!m) return null;
  const action = ALERT_ACTIONS.find((a) => a.id === m[1]);
  return action ? { action, groupId: m[2] } : null;
}
