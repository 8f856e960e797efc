#!/usr/bin/env bash
# Installs the Debian packages the test suite needs besides npm (real peers:
# Postfix + Cyrus SASL as the relay, smtp-sink, dnsmasq, swaks; tmux for the
# REPL tests; pflogsumm for the reports benchmark) and configures the peers.
# Idempotent: safe to run again on a machine that already has everything.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Every package the tests and benchmarks use, listed explicitly. They are installed with
# --no-install-recommends so that this list, and nothing a "Recommends" happens to pull in,
# is what a fresh machine has: anything a test relies on must be named here.
packages=(
  postfix                 # the relay peer; smtp-sink and smtp-source come with it
  sasl2-bin               # saslpasswd2, for the relay's SASL user
  libsasl2-modules        # PLAIN and LOGIN for Postfix's SASL
  ca-certificates         # Postfix's Recommends; system roots for TLS clients
  swaks                   # SMTP client in the intake and relay tests
  libnet-ssleay-perl      # swaks --tls (only a Recommends of swaks)
  libio-socket-inet6-perl # swaks over IPv6 (::1) (only a Recommends of swaks)
  dnsmasq-base            # the DNS peer (MX, A, TXT, PTR records)
  tmux                    # drives the REPL and CLI prompts on a real terminal
  pflogsumm               # the reports benchmark's reference
  openssl                 # test CA and certificates
  iproute2                # ss, to see which ports listen
  procps                  # kill/ps used by the peers script and the tests
  util-linux              # mount/umount of the tmpfs in the disk-full tests
  python3                 # python smtplib as an SMTP client in the intake tests; the sd_notify receiver
  systemd                 # systemd-analyze verify/security for contrib/smtp-ops.service, systemd-notify for serve's readiness (no PID 1 needed)
)

if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo -E bash "$0" "$@"
  fi
  echo "install-test-deps: needs root (apt-get, Postfix configuration); run it as root or install sudo" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
      echo "install-test-deps: package '$p' is not available from the configured apt sources" >&2
      exit 1
    fi
  done
  # "Local only" keeps Postfix off the network; test/peers/postfix.sh turns it into the loopback relay.
  echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
  echo "postfix postfix/mailname string smtp-ops.test" | debconf-set-selections
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-test-deps: all packages present (${packages[*]})"
fi

bash "$here/../test/peers/peers.sh" up
