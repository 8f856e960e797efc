import { test } from 'vitest';
import { VIEWER, startHarness } from './harness.js';
test('peek', async () => {
  const h = await startHarness();
  const cli = { platform: 'cli' as const, id: 'test' };
  for (let i = 0; i < 25; i++) await h.engine.submit({ from: 'app@example.com', to: [`oncall${i}@sink.test`], subject: `alert ${i}`, text: 'x' }, cli);
  for (const [w, o] of [[['status'], {}], [['queue', 'list'], {}], [['doctor'], {}], [['report'], {}], [['queue','flush'],{}]] as const) {
    const x = await h.command({ id: '100000000000000001' }, [...w], o);
    console.log(w.join(' '), JSON.stringify(x.message, null, 1));
  }
  await h.close();
});
