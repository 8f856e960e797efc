import { describe, expect, it } from 'vitest';
import { SETTINGS, SETTING_KEYS, SECRET_KEYS, defaultSettings, restartsFor } from '../../../src/engine/settings/table.js';
import { deliveryConfig, viewOf } from '../../../src/engine/settings/derived.js';

describe('the settings table', () => {
  it('gives every setting a kebab-case key, help, a parser and a default', () => {
    const defaults = defaultSettings({});
    for (const s of SETTINGS) {
      expect(s.key, s.key).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
      expect(s.help.trim().length, `help of ${s.key}`).toBeGreaterThan(5);
      expect(typeof s.parse, `parser of ${s.key}`).toBe('function');
      if (s.secret) expect(s.default, `a secret starts unset: ${s.key}`).toBe('');
      else expect(defaults, `default of ${s.key}`).toHaveProperty(s.prop);
    }
    expect(new Set(SETTING_KEYS).size).toBe(SETTINGS.length);
  });

  it('names each property after its key in camelCase, as the JSON output always did', () => {
    for (const s of SETTINGS) expect(s.prop).toBe(s.key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
  });

  it('accepts every default as a value of its own setting', () => {
    const defaults = defaultSettings({}) as unknown as Record<string, unknown>;
    for (const s of SETTINGS.filter((r) => !r.secret)) {
      const d = defaults[s.prop];
      const typed = typeof d === 'boolean' ? (d ? 'on' : 'off') : d === null ? '' : String(d);
      const issues: string[] = [];
      expect((s.parse as (raw: string, key: string, issue: (r: string, m: string) => void) => unknown)(typed, s.key, (_r, m) => issues.push(m)), `${s.key}=${typed}: ${issues.join('; ')}`).toEqual(d);
    }
  });

  it('shows every secret masked in the view, under its property', () => {
    const view = viewOf(defaultSettings({}), (k) => k === SECRET_KEYS[0]) as unknown as Record<string, unknown>;
    for (const s of SETTINGS.filter((r) => r.secret)) expect(view[s.prop]).toBe(s.key === SECRET_KEYS[0] ? '********' : '(not set)');
  });

  it('restarts the deliverer for every setting the delivery config reads', () => {
    const base = defaultSettings({});
    const config = (s: typeof base) => JSON.stringify(deliveryConfig(s, 'pw', 25, undefined));
    for (const s of SETTINGS.filter((r) => !r.secret && !r.restarts.includes('deliverer'))) {
      const v = (base as unknown as Record<string, unknown>)[s.prop];
      const other = typeof v === 'boolean' ? !v : typeof v === 'number' ? v + 1 : v === null ? 2525 : `${String(v)}x`;
      expect(config({ ...base, [s.prop]: other }), `${s.key} changes the delivery config but does not restart the deliverer`).toBe(config(base));
    }
    expect([...restartsFor(['listen', 'relay-host'])].sort()).toEqual(['deliverer', 'intake']);
    expect(restartsFor(['timezone']).size).toBe(0);
  });
});
