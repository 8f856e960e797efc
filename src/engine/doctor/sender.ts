/**
 * The sender domain, judged as a receiver would with mailauth: SPF evaluated for the sending IP
 * and the from-address, the DKIM key in DNS against the configured one (a test signature is
 * verified), and DMARC: the policy, and whether SPF or DKIM would align with the From domain.
 * Every lookup goes through the engine's resolver.
 */
import { spf } from 'mailauth/lib/spf/index.js';
import { dmarc } from 'mailauth/lib/dmarc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { DoctorCheck } from '../types.js';
import { bitsOf, parseKeyRecord, publicKeyOf } from '../dkim/key.js';
import { DkimSigner, covers, dkimConfigOf } from '../dkim/signer.js';
import { check, dnsWords, fixes, isNoRecord, type CheckExtras } from './check.js';
import { mailauthResolver } from './dns.js';
import { domainOf, isDirect, type DoctorInputs, type SendingAddresses } from './context.js';
import { STAGE, within } from './limits.js';

export const SENDER_CHECKS = [
  { id: 'spf', title: 'SPF allows the sending IP', section: 'sender-domain' as const },
  { id: 'dkim', title: 'DKIM signing and the key in DNS', section: 'sender-domain' as const },
  { id: 'dmarc', title: 'DMARC policy and alignment', section: 'sender-domain' as const },
];

type SpfOutcome = { check: DoctorCheck; pass: boolean };
type DkimOutcome = { check: DoctorCheck; aligned: string | null };

const RANK: Record<string, number> = { pass: 0, neutral: 1, none: 1, softfail: 2, temperror: 2, temperr: 2, permerror: 3, fail: 3 };

/** A domain the relay may send for, to put in a from-address suggestion: the SASL user's, else the relay's parent domain. */
function relayDomain(inp: DoctorInputs): string {
  const user = inp.settings.saslUsername;
  if (user.includes('@')) return domainOf(user);
  const labels = inp.config.relayHost.split('.');
  return labels.length > 2 && !/^[\d.]+$/.test(inp.config.relayHost) ? labels.slice(1).join('.') : 'example.com';
}

async function spfCheck(inp: DoctorInputs, sending: SendingAddresses, signal: AbortSignal): Promise<SpfOutcome> {
  const title = SENDER_CHECKS[0].title;
  const from = inp.settings.fromAddress;
  const domain = domainOf(from);
  if (sending.ips.length === 0) return { check: check('sender-domain', 'spf', title, 'skip', `no sending IP to evaluate SPF for: ${sending.why ?? 'unknown'}`), pass: false };
  const resolver = mailauthResolver(inp.resolver);
  const r = await within(STAGE.spf, () => Promise.all(sending.ips.map((ip) => spf({ sender: from, ip, helo: inp.settings.hostname, mta: inp.settings.hostname, resolver }))), signal);
  if (!r.ok) return { check: check('sender-domain', 'spf', title, 'warn', `SPF of ${domain} could not be evaluated within ${STAGE.spf} ms: DNS is slow or not answering`, 'Check the DNS server this system uses, then run the doctor again.'), pass: false };
  const results = r.value;
  const worst = results.reduce((a, b) => ((RANK[b.status.result] ?? 2) > (RANK[a.status.result] ?? 2) ? b : a));
  const verdict = worst.status.result;
  const record = results.find((x) => x.rr)?.rr;
  const per = results.map((x) => `spf=${x.status.result} for ${x['client-ip']}`).join(', ');
  const detail = `${per} (${sending.whose}) sending as ${from}${record ? `; ${domain}: "${record}"` : ''}`;
  if (verdict === 'pass') return { check: check('sender-domain', 'spf', title, 'ok', detail), pass: true };

  const direct = isDirect(inp.config) || sending.whose.startsWith('this host');
  const ips = sending.ips.join(' ');
  const mech = sending.ips.map((ip) => (ip.includes(':') ? `ip6:${ip}` : `ip4:${ip}`)).join(' ');
  const otherDomain = relayDomain(inp);
  const relayAdvice: CheckExtras = fixes(
    `Admin guide: the relay is not authorized to send from ${domain}. Add the relay to the SPF record of ${domain} (its provider documents an "include:" for it, or "${mech}"), or use a from-address in a domain the relay may send for: \`config set from-address=alerts@${otherDomain}\`.`,
    `config set from-address=alerts@${otherDomain}`,
  );
  const directAdvice = `Publish on ${domain} a TXT record that lists this system, e.g. "v=spf1 ${mech} -all" (keep the senders already in it), so receivers accept ${ips} as a sender for ${domain}.`;
  switch (verdict) {
    case 'none':
      return { check: check('sender-domain', 'spf', title, direct ? 'fail' : 'warn', `${domain} publishes no SPF record: receivers cannot tell its mail from forgeries (${per})`, direct ? directAdvice : relayAdvice), pass: false };
    case 'fail':
      return { check: check('sender-domain', 'spf', title, 'fail', `${detail}: the SPF record of ${domain} does not allow ${ips}; receivers that enforce SPF reject this mail`, direct ? directAdvice : relayAdvice), pass: false };
    case 'softfail':
      return { check: check('sender-domain', 'spf', title, 'warn', `${detail}: ${domain} says ${ips} is probably not allowed (~all); such mail is often put in spam`, direct ? directAdvice : relayAdvice), pass: false };
    case 'neutral':
      return { check: check('sender-domain', 'spf', title, 'warn', `${detail}: the record makes no statement about ${ips} (?all), so SPF cannot help DMARC`, direct ? directAdvice : relayAdvice), pass: false };
    case 'permerror':
      return { check: check('sender-domain', 'spf', title, 'fail', `${detail}: the SPF record of ${domain} is broken (${worst.status.comment || 'permerror'}); receivers treat it as failing`, `Fix the record on ${domain}: one "v=spf1" TXT record, at most 10 DNS-querying mechanisms (include, a, mx, ptr, exists, redirect), no syntax errors.`), pass: false };
    default:
      return { check: check('sender-domain', 'spf', title, 'warn', `SPF of ${domain} could not be evaluated (${verdict}: ${worst.status.comment || 'DNS error'})`, 'Check DNS, then run the doctor again.'), pass: false };
  }
}

async function dkimCheck(inp: DoctorInputs, signal: AbortSignal): Promise<DkimOutcome> {
  const title = SENDER_CHECKS[1].title;
  const s = inp.settings;
  const fromDomain = domainOf(s.fromAddress);
  const direct = isDirect(inp.config);
  const cfg = dkimConfigOf(s, inp.dkimKey);
  const out = (status: DoctorCheck['status'], detail: string, extras?: CheckExtras | string, aligned: string | null = null): DkimOutcome => ({ check: check('sender-domain', 'dkim', title, status, detail, extras), aligned });
  if (!cfg) {
    if (inp.dkimKey) {
      const missing = !s.dkimDomain ? 'dkim-domain' : 'dkim-selector';
      return out('fail', `dkim-private-key is set but ${missing} is blank: nothing is signed`, fixes(`Set the domain and the selector the public key is published under, e.g. \`config set dkim-domain=${s.dkimDomain || fromDomain} dkim-selector=${s.dkimSelector || 'SELECTOR'}\` (SELECTOR: the name before ._domainkey), or make a new key with \`dkim keygen\`.`, `config set dkim-domain=${s.dkimDomain || fromDomain} dkim-selector=${s.dkimSelector || 'SELECTOR'}`, 'dkim keygen'));
    }
    if (s.dkimDomain || s.dkimSelector) {
      return out('fail', `dkim-domain/dkim-selector are set but there is no dkim-private-key: nothing is signed`, fixes('Make a key pair and publish its record: `dkim keygen`; or set an existing key privately: `config set dkim-private-key`.', 'dkim keygen', 'config set dkim-private-key'));
    }
    return direct
      ? out('warn', 'mail is not DKIM-signed: DMARC then rests on SPF alone, which breaks when mail is forwarded, and large mailbox providers require DKIM', fixes('Make a key and publish the DNS record it prints: `dkim keygen`.', 'dkim keygen'))
      : out('skip', 'smtp-ops does not sign (no DKIM key); the relay may sign for you', fixes('If the relay does not sign mail from your domain, sign here: `dkim keygen`.', 'dkim keygen'));
  }
  const name = `${cfg.selector}._domainkey.${cfg.domain}`;
  const bits = bitsOf(cfg.privateKey);
  if (!covers(cfg.domain, fromDomain)) {
    return out('warn', `mail from ${s.fromAddress} is not signed: ${fromDomain} is not ${cfg.domain} or a subdomain of it`, fixes(`Sign for the from-address domain: \`config set dkim-domain=${fromDomain}\`, then publish the key under it (\`dkim show\` prints the record).`, `config set dkim-domain=${fromDomain}`, 'dkim show'));
  }
  const txt = inp.resolver.resolveTxt;
  if (!txt) return out('warn', 'the configured resolver cannot look up TXT records', 'Use a resolver that can (SMTP_OPS_DNS).');
  const found = await within(STAGE.dkim, async () => {
    try {
      return { records: (await txt.call(inp.resolver, name)).map((c) => c.join('')) };
    } catch (err) {
      return { err };
    }
  }, signal);
  if (!found.ok) return out('warn', `no answer for TXT ${name} within ${STAGE.dkim} ms`, 'Check the DNS server this system uses, then run the doctor again.');
  if ('err' in found.value) {
    return isNoRecord(found.value.err)
      ? out('fail', `mail is signed with d=${cfg.domain} s=${cfg.selector}, but no key is published at ${name}: receivers cannot verify the signatures`, fixes('Publish the TXT record that `dkim show` prints (one string, or split in 255-byte strings for zone files); DNS changes can take a while to be seen.', 'dkim show'))
      : out('warn', `could not look up TXT ${name}: ${dnsWords(found.value.err)}`, 'Check DNS, then run the doctor again.');
  }
  const keys = found.value.records.filter((r) => /(^|;)\s*p=/i.test(r) || /^v=DKIM1/i.test(r));
  if (keys.length === 0) return out('fail', `${name} has TXT records but none is a DKIM key (${found.value.records.join(' | ').slice(0, 200)})`, fixes('Publish the record that `dkim show` prints.', 'dkim show'));
  const tags = parseKeyRecord(keys[0]);
  const mine = publicKeyOf(cfg.privateKey);
  if (!tags.p) return out('fail', `the key at ${name} is revoked (empty p=): signatures with selector ${cfg.selector} fail`, fixes('Make a new key under a new selector and publish it: `dkim keygen`.', 'dkim keygen'));
  if (tags.p !== mine) {
    return out('fail', `the key published at ${name} (p=…${tags.p.slice(-12)}) is not this system's key (p=…${mine.slice(-12)}): every signature fails`, fixes('Publish the current record (`dkim show`), or set the private key that belongs to the published one (`config set dkim-private-key`).', 'dkim show', 'config set dkim-private-key'));
  }
  // The key matches: sign a message and verify it as a receiver would (t=, h=, k= flags included).
  const verified = await within(STAGE.dkim, async () => {
    const probe = Buffer.from(`From: <${s.fromAddress}>\r\nTo: <postmaster@${fromDomain}>\r\nSubject: smtp-ops doctor DKIM probe\r\nDate: ${new Date(inp.now()).toUTCString()}\r\nMessage-ID: <dkim-probe.${inp.now()}@${s.hostname}>\r\n\r\nNot sent anywhere.\r\n`);
    const signed = await new DkimSigner(cfg).sign(probe);
    if (!signed) return null;
    return dkimVerify(signed, { resolver: mailauthResolver(inp.resolver), curTime: new Date(inp.now()) });
  }, signal);
  if (!verified.ok) return out('warn', `the key at ${name} matches, but verifying a test signature did not finish within ${STAGE.dkim} ms`, 'Run the doctor again.');
  const res = verified.value?.results[0];
  if (!res || res.status.result !== 'pass') {
    return out('fail', `the key at ${name} matches, but a test signature does not verify: ${res ? `dkim=${res.status.result} (${res.status.comment ?? res.info})` : 'no signature was made'}`, fixes(`Check the record's flags (k=rsa, no t=s when the From is a subdomain, h= allowing sha256); \`dkim show\` prints a correct one.`, 'dkim show'));
  }
  const weak = bits < 2048;
  return out(
    weak ? 'warn' : 'ok',
    `mail from ${fromDomain} is signed with d=${cfg.domain} s=${cfg.selector} (${bits}-bit RSA, relaxed/relaxed) and a test signature verifies against ${name}${weak ? '; 1024-bit keys are the minimum and some receivers distrust them' : ''}`,
    weak ? fixes('Move to a 2048-bit key under a new selector: `dkim keygen --bits 2048`, publish the new record, keep the old one for a few days.', 'dkim keygen --bits 2048') : undefined,
    cfg.domain,
  );
}

async function dmarcCheck(inp: DoctorInputs, spfPass: boolean, dkimAligned: string | null, dkimWasChecked: boolean, signal: AbortSignal): Promise<DoctorCheck> {
  const title = SENDER_CHECKS[2].title;
  const fromDomain = domainOf(inp.settings.fromAddress);
  const r = await within(STAGE.dmarc, () => dmarc({ headerFrom: inp.settings.fromAddress, spfDomains: spfPass ? [fromDomain] : [], dkimDomains: dkimAligned ? [{ domain: dkimAligned }] : [], resolver: mailauthResolver(inp.resolver) }), signal);
  if (!r.ok) return check('sender-domain', 'dmarc', title, 'warn', `no DMARC answer for ${fromDomain} within ${STAGE.dmarc} ms`, 'Check the DNS server this system uses, then run the doctor again.');
  const d = r.value;
  if (!d) return check('sender-domain', 'dmarc', title, 'warn', `the From of this system's mail has no single address (${inp.settings.fromAddress})`);
  const result = d.status.result;
  if (result === 'none') {
    return check('sender-domain', 'dmarc', title, 'warn', `${fromDomain} publishes no DMARC record (nor does ${d.domain}): receivers cannot tell your mail from impersonation`, `Publish a TXT record on _dmarc.${fromDomain}, e.g. "v=DMARC1; p=none; rua=mailto:postmaster@${fromDomain}", then tighten p= once reports show your mail aligns.`);
  }
  if (result === 'temperror') return check('sender-domain', 'dmarc', title, 'warn', `DMARC of ${fromDomain} could not be read (${d.error ?? 'DNS error'})`, 'Check DNS, then run the doctor again.');
  // The envelope sender is the from-address itself, so a passing SPF aligns even under aspf=s.
  const spfAligned = spfPass;
  // mailauth matches organizational domains even under adkim=s; apply strict alignment here.
  const dkimOk = Boolean(dkimAligned) && (!d.alignment.dkim.strict || dkimAligned === fromDomain);
  const policy = (d.policy || 'none').toLowerCase();
  const record = `"${d.rr}"`;
  const aligned = [spfAligned ? `SPF aligns (${fromDomain})` : 'SPF does not pass', dkimOk ? `DKIM aligns (d=${dkimAligned})` : dkimWasChecked ? 'DKIM does not align' : 'no DKIM signature'].join(', ');
  if (spfAligned || dkimOk) {
    return check('sender-domain', 'dmarc', title, 'ok', `dmarc=pass under p=${policy}: ${aligned}; ${record}${spfAligned && !dkimOk ? '. With SPF alone, forwarded mail fails DMARC' : ''}`, spfAligned && !dkimOk ? fixes('Add DKIM so forwarded mail still passes: `dkim keygen`.', 'dkim keygen') : undefined);
  }
  const fixList: string[] = [];
  const parts: string[] = [];
  if (!dkimAligned) {
    parts.push('sign with DKIM for this domain (`dkim keygen`, then publish the record it prints)');
    fixList.push('dkim keygen');
  }
  parts.push(`make SPF of ${fromDomain} pass for the sending IP (see SPF above)`);
  const hint = `Make at least one of them align: ${parts.join(', or ')}.`;
  if (policy === 'reject' || policy === 'quarantine') {
    return check('sender-domain', 'dmarc', title, 'fail', `receivers are told to ${policy === 'reject' ? 'reject' : 'quarantine (spam-folder)'} mail from ${fromDomain} that fails DMARC (p=${policy}), and this system's would: ${aligned}; ${record}`, fixes(hint, ...fixList));
  }
  return check('sender-domain', 'dmarc', title, 'warn', `this system's mail fails DMARC (${aligned}); p=none only asks for reports today; ${record}`, fixes(hint, ...fixList));
}

export async function senderTask(inp: DoctorInputs, sending: SendingAddresses, signal: AbortSignal): Promise<DoctorCheck[]> {
  const fromDomain = domainOf(inp.settings.fromAddress);
  if (!fromDomain || !inp.settings.fromAddress.includes('@')) {
    return SENDER_CHECKS.map((c) => check('sender-domain', c.id, c.title, 'fail', 'from-address is not set', fixes('Set it: `config set from-address=alerts@example.com`.', 'config set from-address=alerts@example.com')));
  }
  const [s, k] = await Promise.all([spfCheck(inp, sending, signal), dkimCheck(inp, signal)]);
  const d = await dmarcCheck(inp, s.pass, k.aligned, Boolean(inp.dkimKey), signal);
  return [s.check, k.check, d];
}
