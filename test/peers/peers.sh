#!/usr/bin/env bash
# Real peers for the tests, all on loopback:
#   Postfix relay  127.0.0.1:10025 plain/no auth, :10587 STARTTLS+SASL, :10465 implicit TLS+SASL
#                  (SASL user relay@smtp-ops.test / relay-secret); forwards sink.test -> :10026,
#                  bench.test -> :10126
#   smtp-sink      127.0.0.1:10026, one dump file per message in $PEERS_DIR/sink/
#   dnsmasq        127.0.0.1:10053 serving test/peers/dnsmasq.conf
# Usage: peers.sh up|down|status|setup   (up = setup + start; idempotent; needs root)
# State lives in $PEERS_DIR (default /var/lib/smtp-ops-peers), shared by every checkout on the
# machine because the ports are; the relay CA is copied to test/peers/.run/ca.pem.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PEERS_DIR="${SMTP_OPS_PEERS_DIR:-/var/lib/smtp-ops-peers}"
SINK_DIR="$PEERS_DIR/sink"
TLS_DIR=/etc/postfix/smtp-ops
SASL_DOMAIN=smtp-ops.test
SASL_USER=relay
SASL_PASS=relay-secret

log() { echo "peers: $*" >&2; }
die() { log "$*"; exit 1; }

need_root() {
  [[ "$(id -u)" -eq 0 ]] || die "needs root (configures Postfix and binds its services); run: sudo bash $0 $1"
  for b in postconf postfix smtp-sink saslpasswd2 dnsmasq openssl ss; do
    command -v "$b" >/dev/null 2>&1 || [[ -x "/usr/sbin/$b" ]] || die "'$b' missing: run bash scripts/install-test-deps.sh"
  done
  export PATH="$PATH:/usr/sbin:/sbin"
}

listening() { ss -Hltn "sport = :$1" | grep -q .; }

wait_port() {
  for _ in $(seq 1 100); do listening "$1" && return 0; sleep 0.1; done
  die "nothing listens on 127.0.0.1:$1 after 10 s ($2)"
}

setup_tls() {
  mkdir -p "$TLS_DIR"
  chmod 755 "$TLS_DIR"
  if [[ ! -s "$TLS_DIR/ca.pem" || ! -s "$TLS_DIR/relay.crt" || ! -s "$TLS_DIR/relay.key" ]]; then
    log "generating the relay CA and certificate in $TLS_DIR"
    local tmp; tmp="$(mktemp -d)"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=smtp-ops test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$tmp/ca.key" -out "$tmp/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=relay.smtp-ops.test" \
      -keyout "$tmp/relay.key" -out "$tmp/relay.csr" 2>/dev/null
    printf '%s\n' "subjectAltName=DNS:relay.smtp-ops.test,DNS:localhost,IP:127.0.0.1" \
      "basicConstraints=CA:FALSE" "extendedKeyUsage=serverAuth" >"$tmp/ext"
    openssl x509 -req -in "$tmp/relay.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
      -days 3650 -extfile "$tmp/ext" -out "$tmp/relay.crt" 2>/dev/null
    install -m 600 "$tmp/ca.key" "$TLS_DIR/ca.key"
    install -m 644 "$tmp/ca.pem" "$TLS_DIR/ca.pem"
    install -m 644 "$tmp/relay.crt" "$TLS_DIR/relay.crt"
    install -m 600 "$tmp/relay.key" "$TLS_DIR/relay.key"
    rm -rf "$tmp"
  fi
  mkdir -p "$here/.run"
  cmp -s "$TLS_DIR/ca.pem" "$here/.run/ca.pem" || cp "$TLS_DIR/ca.pem" "$here/.run/ca.pem"
}

setup_sasl() {
  mkdir -p /etc/postfix/sasl
  local conf=/etc/postfix/sasl/smtpd.conf
  local want=$'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN'
  [[ -f "$conf" && "$(cat "$conf")" == "$want" ]] || printf '%s\n' "$want" >"$conf"
  # Only when missing: rewriting the sasldb while Postfix authenticates could fail a running test.
  if ! sasldblistusers2 2>/dev/null | grep -q "^$SASL_USER@$SASL_DOMAIN:"; then
    log "creating SASL user $SASL_USER@$SASL_DOMAIN"
    printf '%s' "$SASL_PASS" | saslpasswd2 -p -c -u "$SASL_DOMAIN" "$SASL_USER"
  fi
  chown root:sasl /etc/sasldb2
  chmod 640 /etc/sasldb2
  id -nG postfix | tr ' ' '\n' | grep -qx sasl || usermod -a -G sasl postfix
}

setup_postfix() {
  local before after interfaces
  before="$(postconf -n; postconf -M; postconf -P)"
  interfaces="$(postconf -h inet_interfaces)"
  local transport=/etc/postfix/smtp-ops-transport
  printf '%s\n' "sink.test smtp:[127.0.0.1]:10026" "bench.test smtp:[127.0.0.1]:10126" >"$transport.new"
  if ! cmp -s "$transport.new" "$transport" || [[ ! -f "$transport.db" ]]; then
    mv "$transport.new" "$transport"
    postmap "hash:$transport"
  else
    rm -f "$transport.new"
  fi
  # Recipient replies for report tests: defer.test is deferred (450) and bounce.test refused (550) by the relay itself.
  local recipients=/etc/postfix/smtp-ops-recipients
  printf '%s\n' "defer.test 450 4.2.0 Greylisted by the smtp-ops test relay, try again later" "bounce.test 550 5.1.1 User unknown at the smtp-ops test relay" >"$recipients.new"
  if ! cmp -s "$recipients.new" "$recipients" || [[ ! -f "$recipients.db" ]]; then
    mv "$recipients.new" "$recipients"
    postmap "hash:$recipients"
  else
    rm -f "$recipients.new"
  fi
  [[ -f /etc/aliases.db ]] || newaliases
  postconf -e \
    "myhostname = relay.smtp-ops.test" \
    "inet_interfaces = loopback-only" \
    "mynetworks = 127.0.0.0/8 [::1]/128" \
    "default_transport = smtp" \
    "relay_transport = relay" \
    "transport_maps = hash:$transport" \
    "smtpd_reject_unlisted_recipient = no" \
    "smtpd_recipient_restrictions = check_recipient_access hash:/etc/postfix/smtp-ops-recipients" \
    "smtpd_tls_cert_file = $TLS_DIR/relay.crt" \
    "smtpd_tls_key_file = $TLS_DIR/relay.key" \
    "smtpd_tls_security_level = may" \
    "smtpd_sasl_auth_enable = no" \
    "smtpd_sasl_path = smtpd" \
    "smtpd_sasl_type = cyrus" \
    "cyrus_sasl_config_path = /etc/postfix/sasl" \
    "smtpd_sasl_local_domain =" \
    "smtp_tls_security_level = none" \
    "maillog_file = /var/log/mail.log" \
    "smtpd_client_connection_count_limit = 200" \
    "default_process_limit = 200"
  # No listener on port 25: the fixed test ports only. Plain relay for localhost, then the two SASL ports.
  if [[ -n "$(postconf -M smtp/inet 2>/dev/null)" ]]; then postconf -MX smtp/inet; fi
  postconf -M "127.0.0.1:10025/inet=127.0.0.1:10025 inet n - n - - smtpd"
  postconf -P "127.0.0.1:10025/inet/syslog_name=postfix/plain" \
    "127.0.0.1:10025/inet/smtpd_tls_security_level=none" \
    "127.0.0.1:10025/inet/smtpd_sasl_auth_enable=no"
  postconf -M "127.0.0.1:10587/inet=127.0.0.1:10587 inet n - n - - smtpd"
  postconf -P "127.0.0.1:10587/inet/syslog_name=postfix/submission" \
    "127.0.0.1:10587/inet/smtpd_tls_security_level=encrypt" \
    "127.0.0.1:10587/inet/smtpd_sasl_auth_enable=yes" \
    "127.0.0.1:10587/inet/smtpd_tls_auth_only=yes" \
    "127.0.0.1:10587/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject"
  postconf -M "127.0.0.1:10465/inet=127.0.0.1:10465 inet n - n - - smtpd"
  postconf -P "127.0.0.1:10465/inet/syslog_name=postfix/smtps" \
    "127.0.0.1:10465/inet/smtpd_tls_wrappermode=yes" \
    "127.0.0.1:10465/inet/smtpd_sasl_auth_enable=yes" \
    "127.0.0.1:10465/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject"
  # Chrooted services would need copies of the sasldb, resolv.conf etc.; loopback tests gain nothing from it.
  postconf -F '*/*/chroot = n'
  after="$(postconf -n; postconf -M; postconf -P)"
  postfix check
  if postfix status >/dev/null 2>&1; then
    if [[ "$interfaces" != "$(postconf -h inet_interfaces)" ]]; then
      # inet_interfaces is read only at start: a reload is not enough.
      log "Postfix inet_interfaces changed: restarting"; postfix stop; postfix start
    elif [[ "$before" != "$after" ]]; then
      log "Postfix configuration changed: reloading"; postfix reload
    fi
  else
    log "starting Postfix"
    postfix start
  fi
  wait_port 10025 postfix; wait_port 10587 postfix; wait_port 10465 postfix
}

pid_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_sink() {
  mkdir -p "$SINK_DIR"
  # keep a day of dumps: tests count their own messages by a unique marker
  find "$SINK_DIR" -type f -mmin +1440 -delete 2>/dev/null || true
  if pid_alive "$PEERS_DIR/sink.pid" && listening 10026; then return 0; fi
  listening 10026 && die "127.0.0.1:10026 is taken by something other than our smtp-sink"
  log "starting smtp-sink on 127.0.0.1:10026 (dumps in $SINK_DIR)"
  setsid smtp-sink -u root -h sink.test -d "$SINK_DIR/msg." 127.0.0.1:10026 256 \
    </dev/null >>"$PEERS_DIR/sink.log" 2>&1 &
  echo $! >"$PEERS_DIR/sink.pid"
  wait_port 10026 smtp-sink
}

start_dnsmasq() {
  local conf="$here/dnsmasq.conf" hash merged
  # The zone is shared by every checkout on the machine and records are only ever added, so the
  # running zone is the union of the running copy and this checkout's file: a checkout with
  # fewer records (an older branch) does not take away the records another one's tests need.
  merged="$(mktemp)"
  if [[ -s "$PEERS_DIR/dnsmasq.conf" ]]; then
    awk 'NR == FNR { seen[$0] = 1; print; next } !($0 in seen) { print }' "$PEERS_DIR/dnsmasq.conf" "$conf" >"$merged"
  else
    cp "$conf" "$merged"
  fi
  hash="$(sha256sum "$merged" | cut -d' ' -f1)"
  if pid_alive "$PEERS_DIR/dnsmasq.pid"; then
    if [[ "$(cat "$PEERS_DIR/dnsmasq.hash" 2>/dev/null)" == "$hash" ]]; then rm -f "$merged"; return 0; fi
    log "dnsmasq.conf changed: restarting dnsmasq"
    kill "$(cat "$PEERS_DIR/dnsmasq.pid")"
    for _ in $(seq 1 50); do pid_alive "$PEERS_DIR/dnsmasq.pid" || break; sleep 0.1; done
  fi
  ss -Hlun "sport = :10053" | grep -q . && die "127.0.0.1:10053 is taken by something other than our dnsmasq"
  log "starting dnsmasq on 127.0.0.1:10053"
  # The merged conf is kept so a checkout that goes away does not take the running zone with it.
  mv "$merged" "$PEERS_DIR/dnsmasq.conf"
  chmod 644 "$PEERS_DIR/dnsmasq.conf"
  dnsmasq --conf-file="$PEERS_DIR/dnsmasq.conf" --port=10053 --listen-address=127.0.0.1 \
    --bind-interfaces --user=nobody --group=nogroup --pid-file="$PEERS_DIR/dnsmasq.pid"
  echo "$hash" >"$PEERS_DIR/dnsmasq.hash"
  for _ in $(seq 1 50); do ss -Hlun "sport = :10053" | grep -q . && return 0; sleep 0.1; done
  die "dnsmasq did not bind 127.0.0.1:10053"
}

stop_pid() {
  if pid_alive "$1"; then kill "$(cat "$1")"; fi
  rm -f "$1"
}

status() {
  local ok=0
  for p in 10025 10587 10465 10026; do listening "$p" || { log "nothing on 127.0.0.1:$p"; ok=1; }; done
  ss -Hlun "sport = :10053" | grep -q . || { log "nothing on 127.0.0.1:10053/udp"; ok=1; }
  [[ -s "$here/.run/ca.pem" ]] || { log "no $here/.run/ca.pem"; ok=1; }
  return $ok
}

cmd="${1:-up}"
case "$cmd" in
  up)
    need_root up
    mkdir -p "$PEERS_DIR"
    setup_tls; setup_sasl; setup_postfix; start_sink; start_dnsmasq
    log "up: relay 10025/10587/10465, smtp-sink 10026, dnsmasq 10053, CA $here/.run/ca.pem"
    ;;
  setup) need_root setup; mkdir -p "$PEERS_DIR"; setup_tls; setup_sasl; setup_postfix ;;
  down)
    need_root down
    stop_pid "$PEERS_DIR/sink.pid"; stop_pid "$PEERS_DIR/dnsmasq.pid"
    postfix status >/dev/null 2>&1 && postfix stop
    ;;
  status) status ;;
  *) die "usage: $0 up|down|status|setup" ;;
esac
