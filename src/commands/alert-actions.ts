/**
 * The buttons on an alert, in ONE table: what each runs as a grammar line.
 *
 * A button's token is `alert:<action>:<group id>`: it names a row of this table and a group, not a
 * command, so it survives restarts and does not expire like a confirmation. On a press the runner
 * reads the group, builds the line here, and runs it like a typed line: parsed by the grammar,
 * checked against the presser's role, confirmed when destructive.
 *
 * Until `queue list`, `queue flush` and `log` take `--domain` (issue 16), the lines are the closest
 * commands that exist; switch them here when the filters land:
 *   deferred -> `queue list --state deferred --domain <domain>`
 *   flush    -> `queue flush --domain <domain>`
 *   log      -> `log --domain <domain> --status <status>`
 */
import type { AlertGroup } from '../engine/index.js';
import type { Action } from './reply.js';

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

function logStatus(code: string): string {
  return code === 'delivery.bounced' ? 'bounced' : code === 'delivery.expired' ? 'expired' : 'deferred';
}

export const ALERT_ACTIONS: readonly AlertActionSpec[] = [
  { id: 'deferred', label: 'Show deferred mail', style: 'primary', line: () => 'queue list --state deferred', offered: (_g, waits) => waits },
  { id: 'flush', label: 'Flush', style: 'danger', line: () => 'queue flush', offered: (_g, waits) => waits },
  { id: 'mute1h', label: 'Mute 1h', style: 'default', line: (g) => `alerts mute ${muteTarget(g)} 1h`, offered: (g) => g.state === 'firing' },
  { id: 'mute4h', label: 'Mute 4h', style: 'default', line: (g) => `alerts mute ${muteTarget(g)} 4h`, offered: (g) => g.state === 'firing' },
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
