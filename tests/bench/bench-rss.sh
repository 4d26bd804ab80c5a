#!/bin/bash
# SPDX-License-Identifier: MIT
# The gateway's memory and CPU under steady background load: continuous
# oximeter readings at 50/s through bedlink-sim's fake BlueZ, Mosquitto and
# bedlink-ack up, for M minutes. Every 5 s it samples the gateway's VmRSS
# (/proc/PID/status) and utime+stime (/proc/PID/stat); then it prints start,
# end and max RSS, the RSS slope over the second half (least squares), the
# mean CPU, and whether every reading sent was stored by the acknowledger.
# Prints figures, asserts nothing. Use a release build: ASan inflates RSS.
# Usage: bench-rss.sh BUILD_DIR SOURCE_DIR [--minutes M] [--rate R]
#        (M defaults to $BEDLINK_BENCH_MINUTES, else 10; R to 50 readings/s)
set -u
usage="usage: bench-rss.sh BUILD_DIR SOURCE_DIR [--minutes M] [--rate R]"
build=${1:?$usage}
# shellcheck disable=SC2034 # SOURCE_DIR: the interface every test script shares
src=${2:?$usage}
shift 2
minutes=${BEDLINK_BENCH_MINUTES:-10}
rate=50
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=${2:?$usage}; shift 2 ;;
	--rate) rate=${2:?$usage}; shift 2 ;;
	*) echo "$usage" >&2; exit 2 ;;
	esac
done
case $minutes$rate in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
if [ "$minutes" -lt 1 ] || [ "$rate" -lt 1 ] || [ "$rate" -gt 400 ]; then
	echo "$usage" >&2
	exit 2
fi

# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
oxi=C0:FF:EE:00:00:03
every=5 # seconds between samples
tmp=$(mktemp -d)
feed_pid=''

cleanup() {
	stop_pid "$feed_pid"
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

fail() {
	echo "bench-rss: $*"
	show_logs 15 5 5
	exit 1
}

calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

db() { sqlite3 -cmd ".timeout 5000" "$tmp/ack.db" "$1" 2>/dev/null; }

# sample: one line "STATE RSS_KB CPU_TICKS PENDING ANON_KB FILE_KB" for the samples file.
sample() {
	local rss anon file stat
	rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$gw_pid/status" 2>/dev/null)
	anon=$(sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$gw_pid/status" 2>/dev/null)
	file=$(sed -n 's/^RssFile:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$gw_pid/status" 2>/dev/null)
	stat=$(sed 's/^.*) //' "/proc/$gw_pid/stat" 2>/dev/null)
	[ -n "$rss" ] && [ -n "$stat" ] || return 1
	# shellcheck disable=SC2086 # split into the fields of /proc/PID/stat
	set -- $stat
	echo "$1 $rss $((${12} + ${13})) $(outbox_pending) $anon $file"
}

need_tools bench-rss mosquitto dbus-daemon sqlite3 python3 awk
need_built bench-rss "$gateway" "$ctl" "$sim" "$acker"
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-rss: needs bash 5"; exit 1; }
if grep -q 'BEDLINK_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
	echo "bench-rss: NOTE: $build is a sanitizer build: its RSS is ASan's, not the gateway's"
fi

# ---- bus, simulator with a paired oximeter, broker, acknowledger, gateway ----
start_bus || exit 1
echo "0 $oxi device profile=oximeter paired=yes" > "$tmp/scenario"
start_sim || fail "the simulator did not start"

port=$(free_port)
start_broker || fail "mosquitto did not start"
start_ack "$tmp/ack.db" || fail "bedlink-ack did not start"

write_gateway_conf gw-bench notice 100 oximeter "$oxi" pulse_oximeter
start_gateway || fail "the gateway did not start"
poll 30 devices_connected 1 || fail "the oximeter did not connect"
poll 10 grep -q "^subscribed $oxi 2A5F" "$tmp/sim.log" || fail "the gateway did not subscribe to 2A5F"
poll 30 pending_is 0 || fail "the start-up events were not acknowledged"

# ---- load and samples ----
total=$((minutes * 60 * rate))
echo "bench-rss: $rate readings/s for $minutes min ($total readings), sampling every ${every} s," \
	"build $build"
python3 -c '
import sys, time
a, rate, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = time.monotonic()
for i in range(total):
    delay = start + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    sys.stdout.write("%s spo2 spo2=%d pulse=%d continuous=yes\n" % (a, 85 + i % 15, 55 + i % 60))
    sys.stdout.flush()
' "$oxi" "$rate" "$total" >&3 &
feed_pid=$!
hz=$(getconf CLK_TCK)
start=$EPOCHREALTIME
: > "$tmp/samples"
for i in $(seq 0 $((minutes * 60 / every))); do
	delay=$(calc "$start + $i * $every - $EPOCHREALTIME")
	awk "BEGIN { exit !($delay > 0) }" && sleep "$delay"
	s=$(sample) || fail "the gateway is gone"
	echo "$(calc "$EPOCHREALTIME - $start") $s" >> "$tmp/samples"
	if [ $((i * every % 60)) = 0 ] && [ "$i" -gt 0 ]; then
		# shellcheck disable=SC2086 # the fields of one sample
		set -- $s
		printf '  %3d min: RSS %.2f MB, pending %s\n' $((i * every / 60)) \
			"$(calc "$2 / 1024")" "$4"
	fi
done
wait "$feed_pid"; feed_pid=
sent=$(grep -c "^notify $oxi 2A5F" "$tmp/sim.log")
poll 60 pending_is 0 || echo "  NOTE: $(outbox_pending) still pending 60 s after the load ended"

# ---- figures ----
# samples: ELAPSED_S PID_STATE RSS_KB CPU_TICKS PENDING ANON_KB FILE_KB
awk -v hz="$hz" '
{ t[NR] = $1; rss[NR] = $3; cpu[NR] = $4; pend[NR] = $5; anon[NR] = $6; file[NR] = $7 }
END {
	n = NR; max = 0; maxp = 0
	for (i = 1; i <= n; i++) {
		if (rss[i] > max) max = rss[i]
		if (pend[i] > maxp) maxp = pend[i]
	}
	# least squares over the second half: KB per minute
	half = t[n] / 2; k = 0; sx = sy = sxx = sxy = 0
	for (i = 1; i <= n; i++) if (t[i] >= half) {
		x = t[i] / 60; y = rss[i]; k++; sx += x; sy += y; sxx += x * x; sxy += x * y
	}
	slope = k > 1 ? (k * sxy - sx * sy) / (k * sxx - sx * sx) : 0
	printf "RSS: start %.2f MB, end %.2f MB, max %.2f MB (target <= 8 MB)\n", \
		rss[1] / 1024, rss[n] / 1024, max / 1024
	printf "  of which anonymous (heap, SQLite cache): start %.2f MB, end %.2f MB;" \
		" file-backed (libraries): start %.2f MB, end %.2f MB\n", \
		anon[1] / 1024, anon[n] / 1024, file[1] / 1024, file[n] / 1024
	printf "RSS slope over the second half (%d samples, %.1f..%.1f min): %+.1f KB/min\n", \
		k, half / 60, t[n] / 60, slope
	printf "CPU: %.2f %% of one core on average (%.2f s in %.0f s); pending at most %d\n", \
		100 * (cpu[n] - cpu[1]) / hz / (t[n] - t[1]), (cpu[n] - cpu[1]) / hz, t[n] - t[1], maxp
}' "$tmp/samples"
echo "gateway peak RSS (VmHWM): $(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$gw_pid/status")," \
	"outbox.db $(du -k "$tmp/data/outbox.db" | cut -f1) KB"
stored=$(db "SELECT count(*) FROM records WHERE kind='reading'")
echo "readings: $total fed, $sent notified by the simulator, $stored stored by bedlink-ack," \
	"$(outbox_pending) pending; gateway log: $(grep -c . "$tmp/gw.log") lines"
