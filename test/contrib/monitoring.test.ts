/** The Grafana dashboard and the Prometheus rules in contrib/ name only metrics serve exposes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { createMetrics } from '../../src/serve/metrics.js';
import { ROOT } from '../cli/build.js';
import { openStore, type TestStore } from '../commands/setup.js';

let t: TestStore | undefined;
afterAll(async () => t?.close());

const NAME = /\b((?:smtp_ops|process|nodejs)_[a-z_]+)\b/g;

describe('contrib monitoring examples', () => {
  it('every metric the dashboard and the alert rules use is exposed, and the dashboard is valid JSON', async () => {
    t = await openStore();
    const m = await createMetrics(t.engine);
    const exposed = new Set(parsePrometheusTextFormat((await m.render()).body).map((f) => f.name));
    m.close();
    const dashboard = readFileSync(join(ROOT, 'contrib', 'grafana-dashboard.json'), 'utf8');
    const parsed = JSON.parse(dashboard) as { panels: { targets: { expr: string }[] }[] };
    const rules = readFileSync(join(ROOT, 'contrib', 'prometheus-alerts.yml'), 'utf8');
    const used = new Set([...parsed.panels.flatMap((p) => p.targets.map((x) => x.expr)).join('\n').matchAll(NAME), ...rules.matchAll(NAME)].map((x) => x[1]));
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(exposed, name).toContain(name);
    // Every alert has a summary and a severity.
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((x) => x[1]);
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    expect(rules.match(/severity: (critical|warning)/g)).toHaveLength(alerts.length);
    expect(rules.match(/summary: /g)).toHaveLength(alerts.length);
  });
});
