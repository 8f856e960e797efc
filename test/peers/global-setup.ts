/**
 * Vitest globalSetup: make sure the real peers (Postfix relay, smtp-sink, dnsmasq) are
 * configured and running before any test file starts. Idempotent and quick when they are up.
 * Under CI=true a failure here fails the run; elsewhere tests that need peers skip.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { missingPeers, PEERS, runPeersScript } from './peers.js';

function dnsZoneChanged(): boolean {
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return null;
    }
  };
  const mine = read(join(dirname(PEERS.script), 'dnsmasq.conf'));
  const running = read(join(dirname(PEERS.sinkDir), 'dnsmasq.conf'));
  if (mine === null || running === null) return mine !== running;
  // The running zone is a union of the checkouts' files (peers.sh): changed when a line of ours is missing.
  const have = new Set(running.split('\n'));
  return mine.split('\n').some((l) => !have.has(l));
}

export default async function setup(): Promise<void> {
  const missing = await missingPeers();
  if (missing.length === 0) {
    // Up already: only a changed DNS zone needs `up` again (it restarts dnsmasq).
    if (process.getuid?.() === 0 && dnsZoneChanged()) await runPeersScript('up');
    return;
  }
  if (process.getuid?.() !== 0) {
    const msg = `real peers missing (${missing.join(', ')}) and not root: run sudo bash test/peers/peers.sh up`;
    if (process.env.CI === 'true') throw new Error(msg);
    console.warn(`peers: ${msg}; tests that need them will skip`);
    return;
  }
  const { code, output } = await runPeersScript('up');
  if (code !== 0) {
    const msg = `test/peers/peers.sh up failed (exit ${code}):\n${output}`;
    if (process.env.CI === 'true') throw new Error(msg);
    console.warn(`peers: ${msg}\ntests that need them will skip`);
  }
}
