#!/bin/bash
# SPDX-License-Identifier: MIT
# Cloud ingest against the broker's own pace, in one run on one machine: raw QoS 1
# throughput of 200-byte messages (bench-raw-qos1), then bedlink-cloud with N publishers
# (bench-cloud-ingest, each like a gateway: 100 publishes without PUBACK, 1000 records
# without down/ack), records/s stored and acknowledged, first on SQLite, then on a
# throwaway PostgreSQL cluster with fsync on (tests/lib/pg.sh). Each figure is the
# min / median / max of RUNS runs (BEDLINK_BENCH_RUNS, default 5); the ratios are of
# medians. Prints figures, asserts nothing.
# Usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]
set -u
build=${1:?usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]}
src=${2:?usage: bench-cloud.sh BUILD_DIR SOURCE_DIR [PUBLISHERS]}
publishers=${3:-4}
runs=${BEDLINK_BENCH_RUNS:-5}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$src/tests/lib/peers.sh" || exit 1
tmp=$(mktemp -d)
cloud_pid='' pg_dir=''
cleanup() {
	stop_pid "$cloud_pid"
	stop_pid "$broker_pid"
	[ -n "$pg_dir" ] && "$src/tests/lib/pg.sh" stop "$pg_dir" >/dev/null 2>&1
	drop_tmp
}
trap cleanup EXIT
need_tools bench-cloud mosquitto python3
need_built bench-cloud "$build/cloud/bedlink-cloud" "$build/tests/bench/bench-raw-qos1" \
	"$build/tests/bench/bench-cloud-ingest"
port=$(free_port)
start_broker || { echo "bench-cloud: mosquitto did not start"; exit 1; }

# stats: min / median / max of the numbers on stdin, as "MIN MEDIAN MAX".
stats() {
	sort -n | python3 -c 'import sys
v = [float(x) for x in sys.stdin.read().split()]
print(f"{v[0]:.0f} {v[len(v) // 2]:.0f} {v[-1]:.0f}" if v else "")'
}

ratio() {
	python3 -c "print(f'{$1 / $2:.2f}')"
}

raw_line=$("$build/tests/bench/bench-raw-qos1" --port "$port" --count 20000 --size 200 --window 100 \
	--runs "$runs" | tee /dev/stderr)
raw=$(grep -Eo 'recv_per_s=[0-9]+' <<<"$raw_line" | cut -d= -f2)

# run_cloud LABEL STORE_URL: bedlink-cloud on STORE_URL, RUNS ingest runs; prints the summary.
run_cloud() {
	local label=$1 store=$2 run figures
	cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = $store
log_level = info
[mqtt]
host = 127.0.0.1
port = $port
CONF
	"$build/cloud/bedlink-cloud" --config "$tmp/cloud.conf" > "$tmp/cloud-$label.log" 2>&1 &
	cloud_pid=$!
	if ! poll 15 grep -q 'cloud: ready' "$tmp/cloud-$label.log"; then
		echo "bench-cloud: bedlink-cloud on $label not ready"
		cat "$tmp/cloud-$label.log"
		stop_pid "$cloud_pid"
		cloud_pid=''
		return 1
	fi
	for run in $(seq 1 "$runs"); do
		"$build/tests/bench/bench-cloud-ingest" --port "$port" --publishers "$publishers" \
			--count $((40000 / publishers)) --window 100 --sent-max 1000 --run "$run"
	done | tee "$tmp/ingest-$label.out"
	stop_pid "$cloud_pid"
	cloud_pid=''
	figures=$(grep -Eo '[0-9]+ records/s' "$tmp/ingest-$label.out" | grep -Eo '[0-9]+' | stats)
	[ -n "$figures" ] || return 1
	read -r min median max <<<"$figures"
	echo "cloud ingest on $label (records/s, $runs runs): min $min median $median max $max"
	if [ -n "$raw" ]; then
		echo "cloud ingest on $label / raw broker QoS 1 (medians): $median / $raw = $(ratio "$median" "$raw")"
	fi
}

run_cloud sqlite "sqlite://$tmp/cloud.db"
pg_url=''
pg=$(BEDLINK_PG_FSYNC=on "$src/tests/lib/pg.sh" start) || { echo "bench-cloud: PostgreSQL did not start"; exit 1; }
eval "$pg" # sets pg_dir and pg_url
run_cloud postgresql "$pg_url"
