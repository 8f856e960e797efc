/** In-flight tracking shared by the chat adapters. */
import { expect, test } from 'vitest';
import { InFlight } from '../../../src/adapters/shared/in-flight.js';

const later = (ms: number, then?: () => void) => new Promise<void>((r) => setTimeout(() => (then?.(), r()), ms));

test('drain waits for tracked work, and for work started while it waits', async () => {
  const f = new InFlight();
  const done: string[] = [];
  void f.track(later(20, () => void f.track(later(20, () => done.push('second')))).then(() => void done.push('first')));
  expect(f.size).toBe(1);
  await f.drain();
  expect(done).toEqual(['first', 'second']);
  expect(f.size).toBe(0);
});

test('drain gives up after its timeout', async () => {
  const f = new InFlight();
  let finished = false;
  void f.track(later(1000, () => (finished = true)));
  await f.drain(30);
  expect(finished).toBe(false);
  expect(f.size).toBe(1);
});
