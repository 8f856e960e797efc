/**
 * The optional HTTP listener of `serve`: `GET /metrics` (Prometheus text
 * format) and `GET /healthz` (200 or 503 with a JSON body naming each check).
 * Off unless `SMTP_OPS_HTTP` or the `http-listen` setting gives an address.
 */
import http from 'node:http';
import { isIP } from 'node:net';
import type { Engine, HealthCheck } from '../engine/index.js';
import type { Metrics } from './metrics.js';

/** A health check that has not answered by then fails (a hung disk must not hang the probe). */
const HEALTH_TIMEOUT_MS = 5_000;

export interface HttpListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** The body of `/healthz`. */
export interface HealthReport {
  status: 'ok' | 'unhealthy';
  checks: { ready: HealthCheck; store: HealthCheck; worker: HealthCheck };
}

export interface HttpDeps {
  engine: Engine;
  metrics: Metrics;
  /** Whether serve has started every component (false while starting and once stopping). */
  ready(): boolean;
}

/**
 * The address to listen on: `SMTP_OPS_HTTP` when set (`off` or blank turns
 * the listener off whatever the setting says), else the `http-listen` setting.
 * Null = off. Throws naming the variable for a bad value.
 */
export function httpAddress(env: NodeJS.ProcessEnv, setting: string): { host: string; port: number } | null {
  const fromEnv = env.SMTP_OPS_HTTP !== undefined;
  const raw = (fromEnv ? env.SMTP_OPS_HTTP! : setting).trim();
  if (raw === '' || raw.toLowerCase() === 'off') return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw);
  const host = m ? (m[1] ?? m[2]) : '';
  const port = m ? Number(m[3]) : -1;
  if (!m || port > 65535 || (m[1] !== undefined && isIP(host) !== 6)) {
    throw new Error(`${fromEnv ? 'SMTP_OPS_HTTP' : 'http-listen'} must be host:port, e.g. 127.0.0.1:9125 or [::1]:9125, or off (got ${JSON.stringify(raw.slice(0, 60))})`);
  }
  return { host, port };
}

function timeout(ms: number): Promise<HealthCheck> {
  return new Promise((resolve) => setTimeout(() => resolve({ ok: false, detail: `no answer within ${ms / 1000}s` }), ms).unref());
}

/** Run every check; unhealthy when any fails. */
export async function healthReport(deps: Pick<HttpDeps, 'engine' | 'ready'>): Promise<HealthReport> {
  const ready: HealthCheck = deps.ready() ? { ok: true, detail: 'serving' } : { ok: false, detail: 'starting or stopping' };
  const h = await Promise.race([deps.engine.health(), timeout(HEALTH_TIMEOUT_MS).then((t) => ({ store: t, worker: t }))]);
  const checks = { ready, store: h.store, worker: h.worker };
  return { status: Object.values(checks).every((c) => c.ok) ? 'ok' : 'unhealthy', checks };
}

/** Start listening; resolves once bound (port resolved when 0 was asked). */
export async function startHttp(addr: { host: string; port: number }, deps: HttpDeps): Promise<HttpListener> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(405, 'text/plain; charset=utf-8', 'method not allowed: use GET\n');
    }
    if (url === '/metrics') {
      deps.metrics.render().then(
        (m) => send(200, m.contentType, m.body),
        (e: unknown) => send(500, 'text/plain; charset=utf-8', `metrics failed: ${(e as Error).message}\n`),
      );
    } else if (url === '/healthz') {
      healthReport(deps).then(
        (r) => send(r.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`),
        (e: unknown) => send(503, 'application/json', `${JSON.stringify({ status: 'unhealthy', error: (e as Error).message })}\n`),
      );
    } else send(404, 'text/plain; charset=utf-8', 'not found: GET /metrics or /healthz\n');
  });
  server.keepAliveTimeout = 65_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${addr.host}:${addr.port} (http): ${e.code ?? e.message}`)));
    server.listen(addr.port, addr.host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : addr.port);
    });
  });
  server.on('error', () => undefined);
  return {
    host: addr.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
