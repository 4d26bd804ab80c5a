#!/bin/bash
# SPDX-License-Identifier: MIT
# Alert latency through bedlink-cloud with its JSON API, on SQLite: a doctor of the patient's
# team logged in on GET /api/events, a gateway bound to that patient publishing P1 calls,
# publish -> "alert" event on the stream, p50 / p99 / max (bench-alert-latency). First ingest
# capacity is measured on the same daemon (bench-cloud-ingest, median of 3 runs), then the
# latency without load and with readings published at half that capacity (or at
# BEDLINK_BENCH_RATE records/s, to compare builds at one load). Prints figures, asserts nothing.
# Usage: bench-alert-latency.sh BUILD_DIR SOURCE_DIR [ALERTS]
set -u
build=${1:?usage: bench-alert-latency.sh BUILD_DIR SOURCE_DIR [ALERTS]}
src=${2:?usage: bench-alert-latency.sh BUILD_DIR SOURCE_DIR [ALERTS]}
alerts=${3:-500}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$src/tests/lib/peers.sh" || exit 1
cloud="$build/cloud/bedlink-cloud"
tmp=$(mktemp -d)
cloud_pid=''
trap 'stop_pid "$cloud_pid"; stop_pid "$broker_pid"; drop_tmp' EXIT
need_tools bench-alert-latency mosquitto python3
need_built bench-alert-latency "$cloud" "$build/tests/bench/bench-alert-latency" \
	"$build/tests/bench/bench-cloud-ingest"
port=$(free_port)
http_port=$(free_port)
# tests/lib/peers.sh's broker (Mosquitto's defaults, like config/mosquitto/mosquitto.conf.example);
# BEDLINK_BENCH_BROKER_NODELAY=1 adds set_tcp_nodelay, to see what Nagle's algorithm on the
# broker's side costs.
cat > "$tmp/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
CONF
[ -z "${BEDLINK_BENCH_BROKER_NODELAY:-}" ] || echo "set_tcp_nodelay true" >> "$tmp/mosquitto.conf"
[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 &
broker_pid=$!
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ||
	{ echo "bench-alert-latency: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }

cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = sqlite://$tmp/cloud.db
log_level = info
[mqtt]
host = 127.0.0.1
port = $port
[http]
listen = 127.0.0.1:$http_port
cookie_secure = no
CONF
admin() { "$cloud" admin --config "$tmp/cloud.conf" "$@"; }
id_of() { awk -v w="$1" '$1 == w { print $2; exit }'; }
admin migrate > "$tmp/admin.log" 2>&1 || { echo "bench-alert-latency: admin migrate failed"; cat "$tmp/admin.log"; exit 1; }
inst=$(admin add-institution --name "Bench Clinic" | id_of institution)
team=$(admin add-team --institution "$inst" --name "Bench Team" | id_of team)
echo "bench doctor password" > "$tmp/doctor.pw"
admin add-user --institution "$inst" --team "$team" --role doctor --login bench-doc \
	--name "Dr Bench" --password-stdin < "$tmp/doctor.pw" > /dev/null
patient=$(admin add-patient --institution "$inst" --team "$team" --name "Bench Patient" \
	--id-number 110101194501010011 --birth 1945-01-01 --htn | id_of patient)
admin add-gateway --id bench-alerts --patient "$patient" > /dev/null
[ -n "$patient" ] || { echo "bench-alert-latency: setting up the doctor and patient failed"; exit 1; }

"$cloud" --config "$tmp/cloud.conf" > "$tmp/cloud.log" 2>&1 &
cloud_pid=$!
poll 15 grep -q 'cloud: ready' "$tmp/cloud.log" ||
	{ echo "bench-alert-latency: bedlink-cloud did not become ready"; cat "$tmp/cloud.log"; exit 1; }

for run in 1 2 3; do
	"$build/tests/bench/bench-cloud-ingest" --port "$port" --publishers 4 --count 10000 \
		--window 100 --sent-max 1000 --run "$run"
done | tee "$tmp/capacity.out"
capacity=$(grep -Eo '[0-9]+ records/s' "$tmp/capacity.out" | grep -Eo '[0-9]+' | sort -n | sed -n 2p)
[ -n "$capacity" ] || { echo "bench-alert-latency: no capacity figure"; exit 1; }
echo "ingest capacity (median of 3): $capacity records/s"

latency() { # latency RATE
	"$build/tests/bench/bench-alert-latency" --port "$port" --http-port "$http_port" \
		--user bench-doc --password-file "$tmp/doctor.pw" --gateway bench-alerts \
		--alerts "$alerts" --interval-ms 20 --rate "$1" --load 4
}
latency 0
latency "${BEDLINK_BENCH_RATE:-$((capacity / 2))}"
