#!/bin/bash
# SPDX-License-Identifier: MIT
# How fast the gateway empties its outbox after a broker outage. With the
# broker down, N continuous oximeter readings go through bedlink-sim's fake
# BlueZ into the gateway's outbox; then Mosquitto, bedlink-ack and a passive
# counter start, and we time records delivered (first to last distinct seq the
# counter sees) and acknowledged (until `bedlinkctl --json outbox` says 0
# pending). The yardstick, in the same run and on the same broker: raw QoS 1
# throughput of the same payload size from a libmosquitto publisher with the
# same window (bench-raw-qos1). Then the same drain again from a copy of the
# full outbox, gateway window 100 against 500. Prints figures, asserts nothing.
# Usage: bench-drain.sh BUILD_DIR SOURCE_DIR [--records N]
set -u
usage="usage: bench-drain.sh BUILD_DIR SOURCE_DIR [--records N]"
build=${1:?$usage}
# shellcheck disable=SC2034 # SOURCE_DIR: the interface every test script shares
src=${2:?$usage}
shift 2
records=${BEDLINK_BENCH_RECORDS:-20000}
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=${2:?$usage}; shift 2 ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
case $records in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac

# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
raw="$build/tests/bench/bench-raw-qos1"
oxi=C0:FF:EE:00:00:03
tmp=$(mktemp -d)
listen_pid=''

cleanup() {
	[ -n "$gw_pid" ] && kill -CONT "$gw_pid" 2>/dev/null
	stop_pid "$gw_pid"; gw_pid=''
	stop_pid "$listen_pid"
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

fail() {
	echo "bench-drain: $*"
	show_logs 15 5 5
	exit 1
}

# calc EXPRESSION: floating-point arithmetic for the figures.
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }
# cpu_s PID: user + system CPU seconds the process has used so far.
cpu_s() {
	local f
	f=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	# shellcheck disable=SC2086 # split into the fields of /proc/PID/stat
	set -- $f
	calc "(${12} + ${13}) / $(getconf CLK_TCK)"
}

start_listener() {
	"$raw" --listen --port "$port" > "$tmp/listen.out" 2>> "$tmp/listen.log" &
	listen_pid=$!
	poll 10 grep -q ready "$tmp/listen.out"
}

# stop_listener: prints "DISTINCT DUPLICATES FIRST LAST" of what it saw.
stop_listener() {
	stop_pid "$listen_pid"; listen_pid=
	sed -n 's/^listened .*distinct=\([0-9]*\) duplicates=\([0-9]*\) .*first=\([0-9.]*\) last=\([0-9.]*\)$/\1 \2 \3 \4/p' \
		"$tmp/listen.out"
}

# write_config WINDOW: the gateway with the oximeter, at that MQTT window.
write_config() { write_gateway_conf gw-bench notice "$1" oximeter "$oxi" pulse_oximeter; }
sim_notified() { [ "$(grep -c "^notify $oxi 2A5F" "$tmp/sim.log")" -ge "$1" ]; }

# wait_drained TIMEOUT: polls until nothing is pending; prints the time it saw 0.
wait_drained() {
	local deadline=$((SECONDS + $1))
	while [ "$SECONDS" -lt "$deadline" ]; do
		if pending_is 0; then
			echo "$EPOCHREALTIME"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

db() { sqlite3 -cmd ".timeout 5000" "$1" "$2" 2>/dev/null; }

# stored_check DB: what the acknowledger stored of the N continuous readings.
stored_check() {
	local n
	n=$(db "$1" "SELECT count(*), count(DISTINCT seq) FROM records
		    WHERE kind='reading' AND json_extract(json,'\$.mode')='continuous'")
	echo "continuous readings stored: ${n%%|*} (distinct seq ${n##*|}) of $records;" \
		"quarantined: $(db "$1" "SELECT count(*) FROM quarantine")"
}

need_tools bench-drain mosquitto dbus-daemon sqlite3 python3 awk
need_built bench-drain "$gateway" "$ctl" "$sim" "$acker" "$raw"
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-drain: needs bash 5"; exit 1; }
if grep -q 'BEDLINK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	echo "bench-drain: NOTE: $build is a sanitizer build; these figures are not release figures"
fi

# ---- bus, simulator with a paired oximeter, gateway with no broker ----
start_bus || exit 1
echo "0 $oxi device profile=oximeter paired=yes" > "$tmp/scenario"
start_sim || fail "the simulator did not start"
port=$(free_port)
write_config 100
start_gateway || fail "the gateway did not start"
poll 30 devices_connected 1 || fail "the oximeter did not connect"
poll 10 grep -q "^subscribed $oxi 2A5F" "$tmp/sim.log" || fail "the gateway did not subscribe to 2A5F"

# ---- the outage: N readings into the outbox, in chunks the simulator can queue ----
echo "bench-drain: $records continuous oximeter readings, Mosquitto $(mosquitto -h 2>&1 |
	sed -n 's/^mosquitto version //p') on 127.0.0.1:$port, build $build"
fed=0
feed_start=$EPOCHREALTIME
while [ "$fed" -lt "$records" ]; do
	chunk=$((records - fed < 1000 ? records - fed : 1000))
	python3 -c '
import sys
a, first, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(first, first + n):
    print("%s spo2 spo2=%d pulse=%d continuous=yes" % (a, 80 + i % 20, 50 + i % 100))
' "$oxi" "$fed" "$chunk" >&3
	fed=$((fed + chunk))
	poll 60 sim_notified "$fed" || fail "the simulator sent only $(grep -c "^notify $oxi 2A5F" "$tmp/sim.log") of $fed"
done
poll 60 pending_at_least "$records" || fail "only $(outbox_pending) of $records readings pending"
feed_end=$EPOCHREALTIME
pending=$(outbox_pending)
echo "feed: $records readings stored in $(calc "$feed_end - $feed_start" | xargs printf '%.1f') s" \
	"($(calc "$records / ($feed_end - $feed_start)" | xargs printf '%.0f')/s, paced by the" \
	"simulator's 2 ms between notifications); pending: $pending"
sqlite3 "$tmp/data/outbox.db" ".backup '$tmp/full-outbox.db'" || fail "cannot copy the outbox"
size=$(db "$tmp/full-outbox.db" "SELECT CAST(round(avg(length(json))) AS INTEGER) FROM records
	WHERE kind='reading'")
echo "record JSON: $size bytes (mean of the stored readings)"

# ---- the broker returns ----
# The gateway is frozen while the peers start, so that none of them misses a record.
kill -STOP "$gw_pid"
start_broker || fail "mosquitto did not start"
start_listener || fail "the counter did not start"
start_ack "$tmp/ack-outage.db" || fail "bedlink-ack did not start"
cpu_gw=$(cpu_s "$gw_pid") cpu_ack=$(cpu_s "$ack_pid") cpu_broker=$(cpu_s "$broker_pid")
back=$EPOCHREALTIME
kill -CONT "$gw_pid"
zero=$(wait_drained $((records / 20 + 120))) || fail "the outbox did not drain: $(outbox_pending) pending"
read -r distinct dups first last <<< "$(stop_listener)"
[ -n "${last:-}" ] || fail "the counter printed nothing"
cpu_gw=$(calc "$(cpu_s "$gw_pid") - $cpu_gw")
cpu_ack=$(calc "$(cpu_s "$ack_pid") - $cpu_ack")
cpu_broker=$(calc "$(cpu_s "$broker_pid") - $cpu_broker")
out_delivered=$(calc "$distinct / ($last - $first)")
out_acked=$(calc "$distinct / ($zero - $first)")
printf 'outage drain, window 100: the gateway reconnected %.1f s after the broker came back\n' \
	"$(calc "$first - $back")"
printf '  delivered %d records (+%d redelivered) in %.2f s: %.0f records/s\n' \
	"$distinct" "$dups" "$(calc "$last - $first")" "$out_delivered"
printf '  acknowledged (0 pending) after %.2f s: %.0f records/s\n' "$(calc "$zero - $first")" \
	"$out_acked"
printf '  CPU during the drain: gateway %.2f s, bedlink-ack %.2f s, mosquitto %.2f s\n' \
	"$cpu_gw" "$cpu_ack" "$cpu_broker"
[ "$distinct" -eq "$pending" ] ||
	echo "  NOTE: $pending were pending when the broker returned, the counter saw $distinct"
echo "  $(stored_check "$tmp/ack-outage.db")"

# ---- the yardstick on the same broker (gateway and acknowledger idle) ----
raw100=$("$raw" --port "$port" --count "$distinct" --size "$size" --window 100 --runs 5) ||
	fail "bench-raw-qos1 failed"
raw500=$("$raw" --port "$port" --count "$distinct" --size "$size" --window 500 --runs 5) ||
	fail "bench-raw-qos1 failed"
raw_rate() { sed -n 's/.* recv_per_s=\([0-9]*\) .*/\1/p' <<< "$1"; }
raw_range() { sed -n 's/.* recv_min=\([0-9]*\) recv_max=\([0-9]*\).*/\1..\2/p' <<< "$1"; }
r100=$(raw_rate "$raw100")
r500=$(raw_rate "$raw500")
printf 'raw QoS 1, libmosquitto -> mosquitto -> libmosquitto, %d x %d bytes, median of 5:\n' \
	"$distinct" "$size"
printf '  window 100: %.0f msg/s publish->receive (runs %s)\n' "$r100" "$(raw_range "$raw100")"
printf '  window 500: %.0f msg/s publish->receive (runs %s)\n' "$r500" "$(raw_range "$raw500")"
printf 'ratio gateway/raw, window 100: delivered %.2f, acknowledged %.2f (target >= 0.8)\n' \
	"$(calc "$out_delivered / $r100")" "$(calc "$out_acked / $r100")"

# ---- window 100 against 500: the full outbox again, the gateway restarted onto a live broker ----
echo "from a copy of the full outbox, the gateway restarted with the broker up:"
printf '  %-7s %9s %12s %12s %10s %10s\n' window records "delivered/s" "acked/s" "vs raw" "gw CPU s"
for window in 100 500 100 500; do
	stop_pid "$gw_pid"; gw_pid=
	stop_pid "$ack_pid"; ack_pid=
	rm -f "$tmp/data/outbox.db" "$tmp/data/outbox.db-wal" "$tmp/data/outbox.db-shm"
	cp "$tmp/full-outbox.db" "$tmp/data/outbox.db"
	rm -f "$tmp/ack-w.db" "$tmp/ack-w.db-wal" "$tmp/ack-w.db-shm" "$tmp/listen.out"
	start_listener || fail "the counter did not start"
	start_ack "$tmp/ack-w.db" || fail "bedlink-ack did not start"
	write_config "$window"
	start_gateway || fail "the gateway did not start"
	zero=$(wait_drained $((records / 20 + 120))) || fail "window $window: $(outbox_pending) pending"
	gw_cpu=$(cpu_s "$gw_pid")
	read -r distinct dups first last <<< "$(stop_listener)"
	[ -n "${last:-}" ] || fail "the counter printed nothing"
	raw_w=$r100
	[ "$window" = 500 ] && raw_w=$r500
	d=$(calc "$distinct / ($last - $first)")
	printf '  %-7s %9d %12.0f %12.0f %10.2f %10.2f\n' "$window" "$distinct" "$d" \
		"$(calc "$distinct / ($zero - $first)")" "$(calc "$d / $raw_w")" "$gw_cpu"
	s=$(stored_check "$tmp/ack-w.db")
	case $s in *"stored: $records (distinct seq $records)"*"quarantined: 0") ;;
	*) echo "    $s" ;; esac
done
echo "(vs raw: delivered/s over raw QoS 1 msg/s at the same window; gw CPU s: the gateway's" \
	"whole life, start-up included)"
