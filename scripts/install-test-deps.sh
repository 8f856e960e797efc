#!/usr/bin/env bash
# Installs the Debian packages the test suite needs besides npm (real peers:
# Postfix + Cyrus SASL as the relay, smtp-sink, dnsmasq, swaks; tmux for the
# REPL tests; pflogsumm for the reports benchmark) and configures the peers.
# Idempotent: safe to run again on a machine that already has everything.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
packages=(postfix sasl2-bin libsasl2-modules swaks dnsmasq-base tmux pflogsumm openssl iproute2 procps)

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
