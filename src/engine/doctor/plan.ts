/**
 * Runs the doctor's tasks: each as soon as the tasks it needs are done, each under its own limit,
 * all under the run's deadline. A task that does not finish in time, or throws, still yields its
 * checks (saying so), and its dependents are reported as not checked: the run always completes,
 * and always names every check.
 */
import type { DoctorCheck, DoctorProgress, DoctorSection } from '../types.js';
import { check, seconds } from './check.js';
import { within } from './limits.js';

/** A check a task reports, declared up front so a task that never finishes can still be named. */
export interface CheckSpec {
  id: string;
  title: string;
  section: DoctorSection;
}

export interface TaskContext {
  signal: AbortSignal;
  /** The value a finished dependency produced. */
  input<T>(taskId: string): T;
}

export interface Task {
  id: string;
  /** What it does, for progress ("relay connection"). */
  label: string;
  limitMs: number;
  after?: readonly string[];
  produces: readonly CheckSpec[];
  run(ctx: TaskContext): Promise<{ checks: DoctorCheck[]; value?: unknown }>;
}

/** The longest chain of task limits: how long the plan can take at worst. */
export function criticalPathMs(tasks: readonly Task[]): number {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const memo = new Map<string, number>();
  const finish = (t: Task, seen: Set<string>): number => {
    const known = memo.get(t.id);
    if (known !== undefined) return known;
    if (seen.has(t.id)) throw new Error(`doctor plan: ${t.id} depends on itself`);
    seen.add(t.id);
    const start = Math.max(0, ...(t.after ?? []).map((d) => {
      const dep = byId.get(d);
      if (!dep) throw new Error(`doctor plan: ${t.id} needs unknown task ${d}`);
      return finish(dep, seen);
    }));
    memo.set(t.id, start + t.limitMs);
    return start + t.limitMs;
  };
  return Math.max(0, ...tasks.map((t) => finish(t, new Set())));
}

/** Puts checks in report order: by section, then in the order the plan declares them. */
export function reportOrder(tasks: readonly Task[], sections: readonly DoctorSection[]): (a: DoctorCheck, b: DoctorCheck) => number {
  const rank = new Map<string, number>();
  tasks.flatMap((t) => t.produces).forEach((c, i) => rank.set(c.id, i));
  return (a, b) => sections.indexOf(a.section) - sections.indexOf(b.section) || (rank.get(a.id) ?? 1e6) - (rank.get(b.id) ?? 1e6);
}

export interface RunOptions {
  deadlineMs: number;
  sections: readonly DoctorSection[];
  onProgress?: (p: DoctorProgress) => void;
}

export async function runPlan(tasks: readonly Task[], opts: RunOptions): Promise<DoctorCheck[]> {
  const order = reportOrder(tasks, opts.sections);
  const done = new Map<string, { checks: DoctorCheck[]; value?: unknown; failed: boolean }>();
  const running = new Set<string>();
  const run = new AbortController();
  const results: DoctorCheck[] = [];

  const report = () => {
    if (!opts.onProgress) return;
    try {
      opts.onProgress({
        done: done.size,
        total: tasks.length,
        checks: [...results].sort(order),
        running: tasks.filter((t) => running.has(t.id)).map((t) => t.label),
      });
    } catch {
      // A progress consumer that throws must not stop the checks.
    }
  };

  const finish = (t: Task, r: { checks: DoctorCheck[]; value?: unknown; failed: boolean }) => {
    if (done.has(t.id)) return;
    running.delete(t.id);
    done.set(t.id, r);
    results.push(...r.checks);
    report();
  };

  const unfinished = (t: Task, why: string, status: 'warn' | 'skip') =>
    t.produces.map((c) => check(c.section, c.id, c.title, status, why));

  const deadlineText = `not finished when the doctor's ${seconds(opts.deadlineMs)} limit was reached`;
  const promises = new Map<string, Promise<void>>();
  const start = (t: Task): Promise<void> => {
    const existing = promises.get(t.id);
    if (existing) return existing;
    const p = (async () => {
      await Promise.all((t.after ?? []).map((d) => start(tasks.find((x) => x.id === d)!)));
      if (run.signal.aborted) return;
      const blocked = (t.after ?? []).find((d) => done.get(d)?.failed);
      if (blocked) {
        const dep = tasks.find((x) => x.id === blocked)!;
        finish(t, { checks: unfinished(t, `not checked: ${dep.label} did not finish`, 'skip'), failed: true });
        return;
      }
      running.add(t.id);
      const began = Date.now();
      const ctx = (signal: AbortSignal): TaskContext => ({ signal, input: <T>(id: string) => done.get(id)?.value as T });
      try {
        const r = await within(t.limitMs, (signal) => t.run(ctx(signal)), run.signal);
        if (r.ok) {
          const ms = Date.now() - began;
          finish(t, { checks: r.value.checks.map((c) => (c.ms === undefined ? { ...c, ms } : c)), value: r.value.value, failed: false });
        } else if (run.signal.aborted) {
          finish(t, { checks: unfinished(t, deadlineText, 'warn'), failed: true });
        } else {
          finish(t, { checks: unfinished(t, `did not finish within ${seconds(t.limitMs)} (the doctor's limit for ${t.label}); the step that hangs is the cause: check the network path and DNS`, 'warn'), failed: true });
        }
      } catch (err) {
        const message = (err as Error)?.message ?? String(err);
        finish(t, { checks: unfinished(t, `the check itself failed: ${message}`, 'warn'), failed: true });
      }
    })();
    promises.set(t.id, p);
    return p;
  };

  report();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      run.abort();
      resolve();
    }, opts.deadlineMs);
  });
  await Promise.race([Promise.all(tasks.map(start)), deadline]);
  clearTimeout(timer);
  // Whatever is still open when the run's deadline passes is reported as such.
  for (const t of tasks) if (!done.has(t.id)) finish(t, { checks: unfinished(t, deadlineText, 'warn'), failed: true });
  run.abort();
  return results.sort(order);
}
