/**
 * How long `doctor` takes, against the real relay in the same run:
 *  - a healthy relay: every check against the Postfix submission port (STARTTLS, SASL login,
 *    MAIL/RCPT/RSET) plus SPF/DKIM/DMARC, PTR and blocklist lookups against dnsmasq; compared with
 *    swaks doing the same SMTP steps (connect, STARTTLS, AUTH, MAIL, RCPT, QUIT) to the same port;
 *  - everything black-holed: a filtered relay port (SYNs dropped) and a DNS server that never
 *    answers; the run is bounded by the doctor's time limits (9 s).
 * Prints medians.
 *
 *   npm run bench:doctor -- [--runs 7]
 *
 * Needs the peers of test/peers/peers.sh (Postfix, dnsmasq), swaks and python3.
 */
import { execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../src/engine/index.js';
import { resolverFromEnv } from '../src/engine/delivery/dns.js';
import { ensureZone } from '../test/peers/peers.js';

const root = resolve(import.meta.dirname, '..');
const CA = join(root, 'test/peers/.run/ca.pem');
const actor = { platform: 'cli' as const, id: 'bench' };
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(values.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function doctorRuns(settings: Record<string, string>, dns: string, runs: number): Promise<{ ms: number[]; summary: string }> {
  const storeDir = await mkdtemp(join(tmpdir(), 'smtp-ops-bench-doctor-'));
  const e = await createEngine({ storeDir, worker: false, resolver: resolverFromEnv({ SMTP_OPS_DNS: dns }) });
  try {
    await e.updateSettings(settings, actor);
    const ms: number[] = [];
    let summary = '';
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const checks = await e.doctor();
      ms.push(performance.now() - t);
      const count = (s: string) => checks.filter((c) => c.status === s).length;
      summary = `${checks.length} checks: ${count('ok')} ok, ${count('warn')} warn, ${count('fail')} fail, ${count('skip')} skip`;
    }
    return { ms, summary };
  } finally {
    await e.close();
    await rm(storeDir, { recursive: true, force: true });
  }
}

function swaks(): Promise<number> {
  const args = ['--server', '127.0.0.1', '--port', '10587', '--tls', '--auth', 'PLAIN', '--auth-user', 'relay@smtp-ops.test', '--auth-password', 'relay-secret', '--from', 'alerts@pass.doctor.test', '--to', 'postmaster@pass.doctor.test', '--helo', 'mail.doctor.test', '--quit-after', 'RCPT', '--silent', '2'];
  return new Promise((res, rej) => {
    const t = performance.now();
    execFile('swaks', args, (err, _out, stderr) => (err ? rej(new Error(`swaks: ${stderr || err.message}`)) : res(performance.now() - t)));
  });
}

/** A port whose accept queue is full: further SYNs are dropped, like behind a dropping firewall. */
async function filteredPort(): Promise<{ port: number; close(): void }> {
  const py = spawn('python3', ['-u', '-c', 'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1])\ntime.sleep(3600)'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise<number>((r) => py.stdout.once('data', (d: Buffer) => r(Number(d.toString().trim()))));
  const filler = connect(port, '127.0.0.1');
  await new Promise<void>((r) => filler.once('connect', () => r()));
  return { port, close: () => (filler.destroy(), py.kill()) };
}

const healthy = {
  hostname: 'mail.doctor.test',
  'from-address': 'alerts@pass.doctor.test',
  'relay-host': '127.0.0.1',
  'relay-port': '10587',
  'use-tls': 'on',
  'tls-ca': CA,
  sasl: 'on',
  'sasl-username': 'relay@smtp-ops.test',
  'sasl-password': 'relay-secret',
  'dnsbl-zones': 'dnsbl.doctor.test',
};

// The dnsmasq zone is shared with other checkouts; make sure it has this branch's records.
await ensureZone();
const ok = await doctorRuns(healthy, '127.0.0.1:10053', RUNS);
const sw: number[] = [];
for (let i = 0; i < RUNS; i++) sw.push(await swaks());
console.log(`healthy relay (Postfix 10587, STARTTLS + SASL), medians of ${RUNS}:`);
console.log(`  doctor        ${median(ok.ms).toFixed(0)} ms  (${ok.summary})`);
console.log(`  swaks to RCPT ${median(sw).toFixed(0)} ms  (the SMTP steps alone)`);
console.log(`  doctor / swaks ${(median(ok.ms) / median(sw)).toFixed(2)}x`);

const f = await filteredPort();
const dns = createSocket('udp4');
await new Promise<void>((r) => dns.bind(0, '127.0.0.1', () => r()));
try {
  const bh = await doctorRuns({ ...healthy, 'relay-port': String(f.port), sasl: 'off', 'use-tls': 'off' }, `127.0.0.1:${dns.address().port}`, Math.min(RUNS, 3));
  console.log(`everything black-holed (filtered relay port, silent DNS), medians of ${Math.min(RUNS, 3)}:`);
  console.log(`  doctor        ${median(bh.ms).toFixed(0)} ms  (${bh.summary}); the limit is 9,000 ms`);
} finally {
  f.close();
  dns.close();
}
