#!/bin/bash
# SPDX-License-Identifier: MIT
# Cloud ingest against the broker's own pace, in one run on one machine: raw QoS 1
# throughput of 200-byte messages (bench-raw-qos1), then bedlink-cloud on SQLite with N
# publishers (bench-cloud-ingest): records/s stored and acknowledged, and the ratio.
# Prints figures, asserts nothing. Usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]
set -u
build=${1:?usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]}
src=${2:?usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]}
publishers=${3:-4}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$src/tests/lib/peers.sh" || exit 1
tmp=$(mktemp -d)
cloud_pid=''
trap 'stop_pid "$cloud_pid"; stop_pid "$broker_pid"; drop_tmp' EXIT
need_tools bench-cloud mosquitto
need_built bench-cloud "$build/cloud/bedlink-cloud" "$build/tests/bench/bench-raw-qos1" \
	"$build/tests/bench/bench-cloud-ingest"
port=$(free_port)
start_broker || { echo "bench-cloud: mosquitto did not start"; exit 1; }
raw=$("$build/tests/bench/bench-raw-qos1" --port "$port" --count 20000 --size 200 --window 100 --runs 3 |
	tee /dev/stderr | grep -Eo 'recv_per_s=[0-9]+' | head -1 | cut -d= -f2)
cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = sqlite://$tmp/cloud.db
log_level = info
[mqtt]
host = 127.0.0.1
port = $port
[http]
listen = 127.0.0.1:0
CONF
"$build/cloud/bedlink-cloud" --config "$tmp/cloud.conf" > "$tmp/cloud.log" 2>&1 &
cloud_pid=$!
poll 15 grep -q 'cloud: ready' "$tmp/cloud.log" || { echo "bench-cloud: bedlink-cloud not ready"; cat "$tmp/cloud.log"; exit 1; }
for run in 1 2 3; do
	"$build/tests/bench/bench-cloud-ingest" --port "$port" --publishers "$publishers" \
		--count $((40000 / publishers)) --window 100 --run "$run"
done | tee "$tmp/ingest.out"
best=$(grep -Eo '[0-9]+ records/s' "$tmp/ingest.out" | grep -Eo '[0-9]+' | sort -n | tail -1)
if [ -n "$raw" ] && [ -n "$best" ]; then
	echo "cloud ingest / raw broker QoS 1 (best of 3 each): $best / $raw = $(python3 -c "print(f'{$best / $raw:.2f}')")"
fi
