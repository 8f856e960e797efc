/**
 * The real peers tests talk to (set up and started by peers.sh; see README "Development"):
 * fixed loopback ports, the relay's SASL account and CA, the smtp-sink dump directory.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const PEERS = {
  relayHost: '127.0.0.1',
  /** Plain, no auth, for localhost. */
  relayPlainPort: 10025,
  /** STARTTLS required + SASL PLAIN/LOGIN. */
  relaySubmissionPort: 10587,
  /** Implicit TLS + SASL. */
  relaySmtpsPort: 10465,
  saslUser: 'relay@smtp-ops.test',
  saslPassword: 'relay-secret',
  /** The relay's self-signed CA (copied here by peers.sh). */
  caPath: join(here, '.run', 'ca.pem'),
  /** smtp-sink behind the relay: mail to `@sink.test` ends up here, one file per message. */
  sinkPort: 10026,
  sinkDir: join(process.env.SMTP_OPS_PEERS_DIR ?? '/var/lib/smtp-ops-peers', 'sink'),
  /** Postfix's recipient access map: the relay defers `@defer.test` (450 4.2.0) and refuses `@bounce.test` (550 5.1.1) itself. */
  recipientMap: '/etc/postfix/smtp-ops-recipients.db',
  /** dnsmasq serving test/peers/dnsmasq.conf. */
  dns: '127.0.0.1:10053',
  script: join(here, 'peers.sh'),
} as const;

function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** A DNS query to dnsmasq for a name it serves. */
async function dnsAnswers(): Promise<boolean> {
  const { Resolver } = await import('node:dns/promises');
  const r = new Resolver({ timeout: 1_000, tries: 1 });
  r.setServers([PEERS.dns]);
  try {
    return (await r.resolve4('mx1.pref.dlv.test')).includes('127.0.0.11');
  } catch {
    return false;
  }
}

/** What is missing of the peers, empty when all are up. */
export async function missingPeers(): Promise<string[]> {
  const missing: string[] = [];
  const ports: [number, string][] = [
    [PEERS.relayPlainPort, 'Postfix 10025'],
    [PEERS.relaySubmissionPort, 'Postfix 10587'],
    [PEERS.relaySmtpsPort, 'Postfix 10465'],
    [PEERS.sinkPort, 'smtp-sink 10026'],
  ];
  const open = await Promise.all(ports.map(([p]) => tcpOpen(p)));
  ports.forEach(([, name], i) => open[i] || missing.push(name));
  if (!(await dnsAnswers())) missing.push('dnsmasq 10053');
  if (!existsSync(PEERS.caPath)) missing.push(PEERS.caPath);
  // The relay's own 450/550 replies for defer.test and bounce.test (report tests); added to an existing setup by `up`.
  if (!existsSync(PEERS.recipientMap)) missing.push(`Postfix recipient map ${PEERS.recipientMap}`);
  return missing;
}

/**
 * Call at the top of a test file that needs the peers:
 * `const peers = await peersOrSkip('relay'); describe.skipIf(!peers.ok)(...)`.
 * Under CI=true missing peers are an error (the file fails); elsewhere the tests skip with a message.
 */
export async function peersOrSkip(what: string): Promise<{ ok: boolean; missing: string[] }> {
  const missing = await missingPeers();
  if (missing.length === 0) return { ok: true, missing };
  const msg = `${what}: real peers missing (${missing.join(', ')}); run: sudo bash test/peers/peers.sh up`;
  if (process.env.CI === 'true') throw new Error(msg);
  console.warn(`SKIP ${msg}`);
  return { ok: false, missing };
}

/**
 * Makes sure dnsmasq serves this checkout's records. The zone is shared with other checkouts,
 * whose test runs restart it from their own file; `peers.sh up` restores the union (it only adds).
 * Call before tests that need records added on this branch.
 */
export async function ensureZone(): Promise<void> {
  const mine = readFileSync(join(here, 'dnsmasq.conf'), 'utf8').split('\n');
  let running: Set<string>;
  try {
    running = new Set(readFileSync(join(dirname(PEERS.sinkDir), 'dnsmasq.conf'), 'utf8').split('\n'));
  } catch {
    running = new Set();
  }
  if (mine.every((l) => running.has(l))) return;
  const r = await runPeersScript('up');
  if (r.code !== 0) throw new Error(`peers.sh up failed: ${r.output}`);
}

/** Messages captured by a smtp-sink dump directory that contain `marker` (e.g. a unique subject). */
export function sinkMessages(marker: string, dir: string = PEERS.sinkDir): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    try {
      const text = readFileSync(join(dir, f), 'utf8');
      if (text.includes(marker)) out.push(text);
    } catch {
      // a file being written right now shows up on the next poll
    }
  }
  return out;
}

/** Polls until `count` messages with `marker` reached the sink (or the time is up); returns what arrived. */
export async function waitForSink(marker: string, count: number, timeoutMs = 20_000, dir?: string): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  let got = sinkMessages(marker, dir);
  while (got.length < count && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    got = sinkMessages(marker, dir);
  }
  return got;
}

/** A free TCP port on `host` (bound and released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A private smtp-sink (Postfix's test server) on `host:port`, dumping each message to its own directory. */
export interface SmtpSink {
  host: string;
  port: number;
  dir: string;
  messages(marker?: string): string[];
  stop(): Promise<void>;
}

/** `extra` are more smtp-sink options, e.g. `-8` (no 8BITMIME) or `-a` (no AUTH). */
export async function startSmtpSink(host: string, port?: number, extra: string[] = []): Promise<SmtpSink> {
  const p = port ?? (await freePort(host));
  const dir = mkdtempSync(join(tmpdir(), 'smtp-sink-'));
  const bin = existsSync('/usr/sbin/smtp-sink') ? '/usr/sbin/smtp-sink' : 'smtp-sink';
  const args = ['-h', 'sink.local', ...extra, '-d', `${dir}/msg.`, `${host}:${p}`, '64'];
  if (process.getuid?.() === 0) args.unshift('-u', 'root');
  const child: ChildProcess = spawn(bin, args, { stdio: 'ignore' });
  const until = Date.now() + 5_000;
  while (!(await tcpOpen(p, host, 200))) {
    if (child.exitCode !== null || Date.now() > until) {
      child.kill();
      throw new Error(`smtp-sink did not listen on ${host}:${p}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    port: p,
    dir,
    messages: (marker = '') => sinkMessages(marker, dir),
    stop: () =>
      new Promise<void>((resolve) => {
        const finish = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return finish();
        child.once('exit', finish);
        child.kill();
      }),
  };
}

/** Runs `peers.sh <cmd>`; resolves with its exit code and output. */
export function runPeersScript(cmd: 'up' | 'status'): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [PEERS.script, cmd], { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() });
    });
  });
}
