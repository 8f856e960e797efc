/** Which handler runs which command, keyed by its canonical path: a command of the grammar without a handler does not compile. */
import type { CommandPath } from '../grammar.js';
import type { Handler } from './context.js';
import { accessGrant, accessList, accessRevoke } from './access.js';
import { alertsList, alertsMute, alertsSubscribe, alertsUnmute, alertsUnsubscribe } from './alerts.js';
import { configSet, configShow } from './config.js';
import { doctor } from './doctor.js';
import { dkimKeygen, dkimShow } from './dkim.js';
import { help } from './help.js';
import { events, log } from './logs.js';
import { report } from './report-command.js';
import { queueDelete, queueFlush, queueHold, queueList, queueRelease, queueShow } from './queue.js';
import { status } from './status.js';
import { queueSummary } from './queue-summary.js';
import { test } from './test.js';

export const HANDLERS: Readonly<Record<CommandPath, Handler>> = {
  status,
  'config show': configShow,
  'config set': configSet,
  test,
  'queue list': queueList,
  'queue summary': queueSummary,
  'queue show': queueShow,
  'queue flush': queueFlush,
  'queue delete': queueDelete,
  'queue hold': queueHold,
  'queue release': queueRelease,
  log,
  events,
  report,
  doctor,
  'dkim keygen': dkimKeygen,
  'dkim show': dkimShow,
  'alerts subscribe': alertsSubscribe,
  'alerts unsubscribe': alertsUnsubscribe,
  'alerts list': alertsList,
  'alerts mute': alertsMute,
  'alerts unmute': alertsUnmute,
  'access grant': accessGrant,
  'access revoke': accessRevoke,
  'access list': accessList,
  help,
};
