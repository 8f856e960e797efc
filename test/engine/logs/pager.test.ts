/** Counting a listing: exact up to a bound, then "at least", so a huge log never costs a full scan. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Store } from '../../../src/engine/store.js';
import { COUNT_KEYS, COUNT_LOADS, countItems } from '../../../src/engine/logs/pager.js';

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smtp-ops-pager-'));
  store = await Store.open(dir);
  const ops = [];
  for (let i = 0; i < COUNT_KEYS + 5; i++) ops.push({ type: 'put' as const, key: `x!${String(i).padStart(6, '0')}`, value: String(i) });
  for (let i = 0; i < 7; i++) ops.push({ type: 'put' as const, key: `y!${i}`, value: String(i) });
  await store.commit(ops, true);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it('counts keys exactly up to the bound, then says "at least"', async () => {
  expect(await countItems(store, ['y!'])).toEqual({ total: 7, totalAtLeast: false });
  expect(await countItems(store, ['x!'])).toEqual({ total: COUNT_KEYS, totalAtLeast: true });
  expect(await countItems(store, ['z!'])).toEqual({ total: 0, totalAtLeast: false });
});

it('with a filter, reads at most COUNT_LOADS entries', async () => {
  let loaded = 0;
  const load = async (suffixes: string[]) => {
    loaded += suffixes.length;
    return suffixes.map((s) => Number(s));
  };
  const even = await countItems(store, ['x!'], { load, keep: (n: number) => n % 2 === 0 });
  expect(even).toEqual({ total: COUNT_LOADS / 2, totalAtLeast: true });
  expect(loaded).toBe(COUNT_LOADS);
  expect(await countItems(store, ['y!'], { load, keep: (n: number) => n > 4 })).toEqual({ total: 2, totalAtLeast: false });
});
