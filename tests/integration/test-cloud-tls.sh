#!/bin/bash
# SPDX-License-Identifier: MIT
# The TLS path, as production runs it: Mosquitto with a TLS listener that requires a client
# certificate and takes the certificate's CN as the username (use_identity_as_username), the
# ACL of config/mosquitto/acl.example, bedlink-cloud and the real gateway connecting with
# certificates of a private CA. Checks that a call pressed at the gateway is stored and
# acknowledged over TLS; that the cloud refuses a broker whose certificate names another
# host or comes from another CA; that a certificate of another CA is refused by the broker;
# and that a gateway's certificate does not let it publish as another gateway.
# Usage: test-cloud-tls.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-cloud-tls.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-cloud-tls.sh BUILD_DIR SOURCE_DIR}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
cloud="$build/cloud/bedlink-cloud"
tmp=$(mktemp -d)
cloud_pid='' bad_pid=''

cleanup() {
	stop_pid "$cloud_pid"
	stop_pid "$bad_pid"
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() {
	echo "--- cloud log (tail)"; tail -15 "$tmp/cloud.log"
	echo "--- broker log (tail)"; tail -15 "$tmp/mosquitto.log"
}

need_tools FAIL mosquitto mosquitto_pub openssl sqlite3 dbus-daemon
need_built FAIL "$cloud" "$gateway" "$ctl" "$sim"
db() { sqlite3 -cmd ".timeout 5000" "$tmp/cloud.db" "$1" 2>/dev/null; }
db_is() { [ "$(db "$1")" = "$2" ]; }

# ---- a private CA, the broker's certificates, the clients' certificates ----
pki=$tmp/pki
mkdir -p "$pki"
# ca NAME: a self-signed CA
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$pki/$1.key" -out "$pki/$1.crt" 2>/dev/null
}
# cert CA NAME SAN: a certificate for CN=NAME signed by CA (SAN empty for a client)
cert() {
	local ext="$pki/$2.ext"
	if [ -n "$3" ]; then
		printf 'subjectAltName = %s\nextendedKeyUsage = serverAuth\n' "$3" > "$ext"
	else
		printf 'extendedKeyUsage = clientAuth\n' > "$ext"
	fi
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$pki/$2.key" \
		-out "$pki/$2.csr" 2>/dev/null &&
		openssl x509 -req -in "$pki/$2.csr" -CA "$pki/$1.crt" -CAkey "$pki/$1.key" \
			-CAcreateserial -days 2 -extfile "$ext" -out "$pki/$2.crt" 2>/dev/null
}
ca clinic-ca && ca rogue-ca &&
	cert clinic-ca broker 'IP:127.0.0.1' &&
	cert clinic-ca broker-elsewhere 'DNS:elsewhere.invalid' &&
	cert clinic-ca bedlink-cloud '' &&
	cert clinic-ca gw-tls '' &&
	cert clinic-ca gw-other '' &&
	cert rogue-ca gw-rogue '' || { echo "FAIL: openssl could not make the test certificates"; exit 1; }
chmod 0644 "$pki"/*.key

# ---- the broker: two TLS listeners, the second with a certificate for another host ----
port=$(free_port)
port_elsewhere=$(free_port)
{
	echo "per_listener_settings false"
	echo "allow_anonymous false"
	echo "persistence false"
	echo "acl_file $src/config/mosquitto/acl.example"
	for l in "$port broker" "$port_elsewhere broker-elsewhere"; do
		set -- $l
		echo "listener $1 127.0.0.1"
		echo "cafile $pki/clinic-ca.crt"
		echo "certfile $pki/$2.crt"
		echo "keyfile $pki/$2.key"
		echo "require_certificate true"
		echo "use_identity_as_username true"
	done
	[ "$(id -u)" = 0 ] && echo "user root"
} > "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 3>&- &
broker_pid=$!
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ||
	{ echo "FAIL: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }

# cloud_conf FILE PORT CA: a cloud configuration over TLS
cloud_conf() {
	cat > "$1" <<CONF
[cloud]
store = sqlite://$tmp/cloud.db
log_level = debug
[mqtt]
host = 127.0.0.1
port = $2
client_id = cloud-tls-$(basename "$1" .conf)
tls_ca = $pki/$3.crt
tls_cert = $pki/bedlink-cloud.crt
tls_key = $pki/bedlink-cloud.key
[http]
listen = 127.0.0.1:0
CONF
}
cloud_conf "$tmp/cloud.conf" "$port" clinic-ca
"$cloud" --config "$tmp/cloud.conf" >> "$tmp/cloud.log" 2>&1 3>&- &
cloud_pid=$!
check "bedlink-cloud connects over TLS with its certificate and subscribes" \
	poll 20 grep -q 'cloud: ready' "$tmp/cloud.log"

# ---- the real gateway over TLS: a press of the call button reaches the cloud ----
start_bus || exit 1
echo "0 C0:FF:EE:00:00:09 device profile=oximeter paired=yes" > "$tmp/scenario"
start_sim || { echo "FAIL: simulator did not start"; exit 1; }
write_gateway_conf gw-tls '' ''
printf '[mqtt]\ntls_ca = %s\ntls_cert = %s\ntls_key = %s\n' \
	"$pki/clinic-ca.crt" "$pki/gw-tls.crt" "$pki/gw-tls.key" >> "$tmp/gw.conf"
start_gateway || { echo "FAIL: gateway did not start"; tail "$tmp/gw.log"; exit 1; }
gwctl press > /dev/null
check "the call pressed at gw-tls is stored in the cloud" \
	poll 20 db_is "SELECT count(*) FROM records
		WHERE gateway_id = 'gw-tls' AND json_extract(json, '\$.event') = 'call'" 1
check "and raised as a P1 CALL alert" \
	poll 10 db_is "SELECT rule || ' ' || severity FROM alerts WHERE gateway_id = 'gw-tls'" "CALL P1"
check "the gateway's outbox drains: the cloud's down/ack came back over TLS" poll 20 pending_is 0

# ---- what must be refused ----
check "the broker refuses a certificate of another CA" bash -c \
	"! timeout 10 mosquitto_pub -h 127.0.0.1 -p $port --cafile '$pki/clinic-ca.crt' \
		--cert '$pki/gw-rogue.crt' --key '$pki/gw-rogue.key' -q 1 \
		-t bedlink/v1/gw-rogue/up/record -m '{}' 2>/dev/null"
record='{"v":1,"kind":"event","seq":77,"ts":1767225600000,"event":"call","detail":{}}'
mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$port" --cafile "$pki/clinic-ca.crt" \
	--cert "$pki/gw-other.crt" --key "$pki/gw-other.key" -q 1 \
	-t bedlink/v1/gw-tls/up/record -m "$record" 2>/dev/null
sleep 1
check "gw-other's certificate cannot publish as gw-tls (nothing stored, nothing quarantined)" \
	db_is "SELECT (SELECT count(*) FROM records WHERE seq = 77) +
		(SELECT count(*) FROM quarantine)" 0

cloud_conf "$tmp/elsewhere.conf" "$port_elsewhere" clinic-ca
"$cloud" --config "$tmp/elsewhere.conf" > "$tmp/elsewhere.log" 2>&1 3>&- &
bad_pid=$!
sleep 4
check "the cloud refuses a broker whose certificate names another host" bash -c \
	"! grep -q 'cloud: ready' '$tmp/elsewhere.log' && grep -q 'ingest: cannot connect' '$tmp/elsewhere.log'"
stop_pid "$bad_pid"
cloud_conf "$tmp/rogue.conf" "$port" rogue-ca
"$cloud" --config "$tmp/rogue.conf" > "$tmp/rogue.log" 2>&1 3>&- &
bad_pid=$!
sleep 4
check "the cloud refuses a broker signed by a CA it does not trust" bash -c \
	"! grep -q 'cloud: ready' '$tmp/rogue.log' && grep -q 'ingest: cannot connect' '$tmp/rogue.log'"

check_summary
