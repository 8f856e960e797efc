/**
 * Misbehaving servers on loopback, as an on-call engineer meets them: a port that drops
 * connections (filtered), one that never greets, an SSH server, a real web server (python's
 * http.server), a DNS server that never answers, and certificates that are expired, for another
 * name or about to expire (openssl ca).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Running {
  port: number;
  close(): Promise<void>;
}

/** Accepts TCP and writes `banner` (nothing when empty), then stays silent. */
export async function bannerServer(banner: string): Promise<Running> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    if (banner) s.write(banner);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

function python(script: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-u', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`python exited (${code}) before listening`)));
  });
}

const stop = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill())));

/** Python's http.server: a real web server on an SMTP port. */
export async function httpServer(): Promise<Running> {
  const { child, port } = await python(
    'import http.server, socketserver\n' +
      'srv = socketserver.TCPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)\n' +
      'print(srv.server_address[1])\n' +
      'srv.serve_forever()\n',
  );
  return { port, close: () => stop(child) };
}

/**
 * A filtered port: a listener whose accept queue is full (backlog 0, one connection parked), so
 * the kernel drops further SYNs and a connect hangs as it does behind a dropping firewall.
 */
export async function filteredPort(): Promise<Running> {
  const { child, port } = await python(
    'import socket, time\n' +
      's = socket.socket()\n' +
      's.bind(("127.0.0.1", 0))\n' +
      's.listen(0)\n' +
      'print(s.getsockname()[1])\n' +
      'time.sleep(600)\n',
  );
  const filler = connect(port, '127.0.0.1');
  filler.on('error', () => undefined);
  await new Promise<void>((r) => filler.once('connect', () => r()));
  return {
    port,
    close: async () => {
      filler.destroy();
      await stop(child);
    },
  };
}

/** A UDP port that takes DNS queries and never answers. */
export async function silentDns(): Promise<Running> {
  const sock = createSocket('udp4');
  sock.on('message', () => undefined);
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  return { port: sock.address().port, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

export interface BadCerts {
  ca: string;
  /** Valid for localhost / 127.0.0.1 for two days. */
  good: { key: string; cert: string };
  /** Expired in 2020. */
  expired: { key: string; cert: string };
  /** Valid, but for wrong.example only. */
  mismatched: { key: string; cert: string };
  /** Valid for localhost / 127.0.0.1, expires in 5 days. */
  expiring: { key: string; cert: string };
}

/** A CA and server certificates signed by it with chosen dates and names (openssl ca). */
export function makeBadCerts(): BadCerts {
  const dir = mkdtempSync(join(tmpdir(), 'doctor-certs-'));
  const f = (n: string) => join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe', cwd: dir });
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=doctor test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
    writeFileSync(f('index.txt'), '');
    writeFileSync(f('serial'), '1000\n');
    writeFileSync(
      f('ca.cnf'),
      `[ca]\ndefault_ca = d\n[d]\ndir = ${dir}\ndatabase = $dir/index.txt\nserial = $dir/serial\nnew_certs_dir = $dir\ncertificate = $dir/ca.pem\nprivate_key = $dir/ca.key\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n`,
    );
    const make = (name: string, san: string, dates: string[]) => {
      run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`)]);
      run(['ca', '-batch', '-config', f('ca.cnf'), '-notext', ...dates, '-in', f(`${name}.csr`), '-out', f(`${name}.pem`)]);
      return { key: readFileSync(f(`${name}.key`), 'utf8'), cert: readFileSync(f(`${name}.pem`), 'utf8') };
    };
    return {
      ca: readFileSync(f('ca.pem'), 'utf8'),
      good: make('localhost', 'DNS:localhost,IP:127.0.0.1', ['-days', '2']),
      expired: make('expired', 'DNS:localhost,IP:127.0.0.1', ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z']),
      mismatched: make('wrong.example', 'DNS:wrong.example', ['-days', '2']),
      expiring: make('soon', 'DNS:localhost,IP:127.0.0.1', ['-days', '5']),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
