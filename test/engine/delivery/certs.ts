/** A throw-away CA and a server certificate it signed (openssl), for TLS tests against in-process peers. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCerts {
  ca: string;
  key: string;
  cert: string;
  /** A self-signed certificate no CA vouches for. */
  selfKey: string;
  selfCert: string;
}

export function makeCerts(names: string[] = ['localhost', 'IP:127.0.0.1']): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-ops-certs-'));
  const f = (n: string) => join(dir, n);
  const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=test server', '-keyout', f('srv.key'), '-out', f('srv.csr')]);
    const san = names.map((n) => (n.startsWith('IP:') ? n : `DNS:${n}`)).join(',');
    writeFileSync(f('ext'), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    run(['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', f('ext'), '-out', f('srv.pem')]);
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', `subjectAltName=${san}`, '-keyout', f('self.key'), '-out', f('self.pem')]);
    const r = (n: string) => readFileSync(f(n), 'utf8');
    return { ca: r('ca.pem'), key: r('srv.key'), cert: r('srv.pem'), selfKey: r('self.key'), selfCert: r('self.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
