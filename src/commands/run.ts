/**
 * The runner: parse, check access, confirm, execute, turn every failure into
 * an ErrorReply, and mark who may see each reply. One runner serves every
 * adapter; it never throws.
 */
import { SECRET_KEYS, actorKey, isSecretKey, isSmtpOpsError } from '../engine/index.js';
import type { Actor, Engine, Role } from '../engine/index.js';
import { parseAdmins, resolveRole, roleAtLeast } from './access.js';
import { ActionStore } from './actions.js';
import { ALERT_TOKEN_PREFIX, parseAlertToken } from './alert-actions.js';
import { withAudience } from './audience.js';
import { COMMANDS, findCommand, pathOf, usageOf } from './grammar.js';
import { applySecret } from './handlers/config.js';
import type { HandlerEnv } from './handlers/context.js';
import { HANDLERS } from './handlers/index.js';
import { parseLine, redactSecrets } from './parse.js';
import type { Audience, ErrorReply, ProgressReply, Reply, RunContext } from './reply.js';
import type { CommandSpec, Runner } from './types.js';

export interface RunnerOptions {
  /** Bootstrap admin subjects; default: parsed from `env.SMTP_OPS_ADMINS`. */
  admins?: readonly string[];
  /** Environment to read `SMTP_OPS_ADMINS` from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Clock for action token expiry and relative times (tests pass a fake). */
  now?: () => number;
}

function errorReply(code: ErrorReply['code'], message: string, extra: Partial<ErrorReply> = {}): ErrorReply {
  const r: ErrorReply = { kind: 'error', code, ok: false, message: redactSecrets(message), ...extra };
  r.data ??= { error: code, message: r.message, ...(r.issues ? { issues: r.issues } : {}), ...(r.usage ? { usage: r.usage } : {}) };
  return r;
}

/** Errors built by handlers get the same `--json` payload as the runner's own. */
function withErrorData(r: Reply): Reply {
  if (r.kind !== 'error' || r.data !== undefined) return r;
  return {
    ...r,
    data: { error: r.code, message: r.message, ...(r.usage ? { usage: r.usage } : {}), ...(r.suggestion ? { suggestion: r.suggestion } : {}), ...(r.issues ? { issues: r.issues } : {}) },
  };
}

/** An engine error as a reply. Faults keep their message short; stacks never leave. */
export function mapError(e: unknown, spec?: CommandSpec, hide?: string): ErrorReply {
  const usage = spec ? usageOf(spec) : undefined;
  const clean = (s: string) => (hide ? s.split(hide).join('********') : s);
  if (isSmtpOpsError(e)) {
    const msg = clean(e.message);
    switch (e.code) {
      case 'E_VALIDATION': {
        const issues = ((e as { issues?: { field: string; rule: string; message: string }[] }).issues ?? []).map((i) => ({ ...i, message: redactSecrets(clean(i.message)) }));
        return errorReply('validation', msg, { issues, ...(usage ? { usage } : {}) });
      }
      case 'E_NOT_FOUND':
        return errorReply('not-found', msg);
      case 'E_DENIED':
        return errorReply('denied', msg);
      case 'E_CONFLICT':
        return errorReply('conflict', msg);
      case 'E_CLOSED':
        return errorReply('failed', `smtp-ops is shutting down (${msg}); try again in a moment`);
      default:
        return errorReply('failed', msg);
    }
  }
  const msg = e instanceof Error ? e.message : String(e);
  return errorReply('internal', `internal error${spec ? ` in \`${spec.path.join(' ')}\`` : ''}: ${clean(msg).split('\n')[0].slice(0, 300)}`);
}

/** Build the runner for an engine. */
export function createRunner(engine: Engine, options: RunnerOptions = {}): Runner {
  const now = options.now ?? Date.now;
  const admins = options.admins ?? parseAdmins((options.env ?? process.env).SMTP_OPS_ADMINS).subjects;
  const actions = new ActionStore(now);
  const commands = COMMANDS;

  async function roleOf(actor: Actor): Promise<Role | null> {
    return resolveRole(actor, admins, await engine.accessList());
  }

  /** null when allowed; the denial reply otherwise (and the warning event is recorded). */
  async function checkAccess(spec: CommandSpec, ctx: RunContext): Promise<ErrorReply | null> {
    let role: Role | null;
    try {
      role = ctx.role ?? (await roleOf(ctx.actor));
    } catch (e) {
      return mapError(e, spec);
    }
    if (roleAtLeast(role, spec.role)) return null;
    const who = actorKey(ctx.actor);
    const what = spec.path.join(' ');
    const message = `\`${what}\` needs the ${spec.role} role; ${who} has ${role ? `the ${role} role` : 'no role'}. An admin can run \`access grant ${who} ${spec.role}\`.`;
    try {
      await engine.recordEvent('warning', 'access.denied', `${who}${ctx.actor.name ? ` (${ctx.actor.name})` : ''} was denied \`${what}\` (needs ${spec.role}, has ${role ?? 'none'})`, ctx.actor, {
        command: what,
        needed: spec.role,
        role: role ?? null,
      });
    } catch {
      // Recording is best effort; the denial itself must still be answered.
    }
    return errorReply('denied', message, { data: { error: 'denied', command: what, needed: spec.role, role: role ?? null } });
  }

  async function run(text: string, ctx: RunContext): Promise<Reply> {
    let spec: CommandSpec | undefined;
    try {
      const parsed = parseLine(String(text ?? ''), { terminal: ctx.surface === 'terminal', commands });
      if (!parsed.ok) return parsed.error;
      spec = parsed.spec;
      const denied = await checkAccess(spec, ctx);
      if (denied) return denied;
      const handler = HANDLERS[pathOf(spec)];
      const confirmed = ctx.confirmed === true || parsed.command.options.yes === true;
      const env: HandlerEnv = { engine, ctx: { ...ctx, confirmed }, actions, now, commands, spec, admins };
      return withErrorData(await handler(parsed.command, env));
    } catch (e) {
      return mapError(e, spec);
    }
  }

  /**
   * A button on an alert: the token names a row of the alert action table and a group; the line
   * is built from them and run like a typed line (grammar, role, confirmation), so a press can do
   * nothing the presser could not type.
   */
  async function alertAction(token: string, ctx: RunContext): Promise<Reply> {
    const parsed = parseAlertToken(token);
    if (!parsed) return errorReply('expired', 'This alert button is not one smtp-ops knows; run the command yourself.');
    let group;
    try {
      group = await engine.alertGroup(parsed.groupId);
    } catch (e) {
      if (isSmtpOpsError(e) && e.code === 'E_NOT_FOUND') return errorReply('expired', `This alert is closed and forgotten (groups are kept a week); run \`help alerts\` for the commands.`);
      throw e;
    }
    return run(parsed.action.line(group), { ...ctx, confirmed: false });
  }

  async function action(token: string, ctx: RunContext): Promise<Reply> {
    try {
      if (String(token ?? '').startsWith(ALERT_TOKEN_PREFIX)) return await alertAction(String(token), ctx);
      const taken = actions.take(String(token ?? ''), actorKey(ctx.actor));
      if (!taken.ok) return errorReply(taken.code, taken.message);
      const { entry } = taken;
      if (entry.kind === 'cancel') return { kind: 'message', tone: 'info', title: 'Cancelled', text: 'Nothing was changed.', data: { cancelled: true, command: entry.text } };
      return await run(entry.text, { ...ctx, confirmed: entry.kind === 'confirm' });
    } catch (e) {
      return mapError(e);
    }
  }

  async function secret(field: string, value: string, ctx: RunContext): Promise<Reply> {
    const spec = findCommand(['config', 'set'], commands)!;
    const hide = typeof value === 'string' && value.length ? value : undefined;
    try {
      if (!isSecretKey(field)) {
        const message = `${String(field).slice(0, 40)} is not a secret setting (${SECRET_KEYS.join(', ')})`;
        return errorReply('validation', message, { issues: [{ field: String(field).slice(0, 40), rule: 'secret-field', message }] });
      }
      if (typeof value !== 'string') return errorReply('validation', `${field} must be text`, { issues: [{ field, rule: 'required', message: `${field} must be text` }] });
      const denied = await checkAccess(spec, ctx);
      if (denied) return denied;
      return withErrorData(await applySecret(field, value, { engine, ctx }));
    } catch (e) {
      return mapError(e, spec, hide);
    }
  }

  // Every reply that leaves the runner, follow-ups and progress (the doctor's steps) too, carries who may see it.
  const marked = (ctx: RunContext, asked: Audience = 'channel'): RunContext => {
    const { followUp, onProgress } = ctx;
    return {
      ...ctx,
      ...(followUp ? { followUp: (r: Reply) => followUp(withAudience(r, asked)) } : {}),
      ...(onProgress ? { onProgress: (p: ProgressReply) => onProgress(withAudience(p, asked)) } : {}),
    };
  };
  return {
    run: async (text, ctx) => withAudience(await run(text, marked(ctx))),
    action: async (token, ctx) => {
      // A press on an alert's button is answered to the presser alone, follow-ups and progress too.
      const asked: Audience = String(token ?? '').startsWith(ALERT_TOKEN_PREFIX) ? 'requester' : 'channel';
      return withAudience(await action(token, marked(ctx, asked)), asked);
    },
    secret: async (field, value, ctx) => withAudience(await secret(field, value, marked(ctx))),
    roleOf,
    commands,
  };
}
