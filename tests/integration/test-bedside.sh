#!/bin/bash
# SPDX-License-Identifier: MIT
# Modbus bedside devices through the whole gateway: bedlink-sim modbus (a
# bed-exit and vital-sign radar on loopback Modbus TCP) -> bedlink-gateway
# (poller thread, rules, outbox) -> Mosquitto -> bedlink-ack. Respiration 7/min
# sustained raises RR1 (P1); a night-time bed exit without return raises BED1
# (P2, routed to the family); a radar that stops answering is recorded and,
# after the configured silence, raises TECH1; it recovers by itself. A
# broken profile is named by file, line and key. Windows are shortened through
# a thresholds drop-in, as a clinic would write one.
# Usage: test-bedside.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-bedside.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-bedside.sh BUILD_DIR SOURCE_DIR}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
tmp=$(mktemp -d)
radar_pid=''

cleanup() {
	exec 5>&- 2>/dev/null
	stop_pid "$radar_pid"
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() {
	show_logs 30 10 5
	tail -n 15 "$tmp/radar.log"
}

db() { sqlite3 -cmd ".timeout 5000" "$tmp/ack.db" "$1" 2>/dev/null; }
db_at_least() { local n; n=$(db "$1"); [ -n "$n" ] && [ "$n" -ge "$2" ]; }
radar_say() { echo "$*" >&5; }
alerts_of() {
	db "SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='$1'
	    AND json_extract(json,'\$.severity')='$2' AND json_extract(json,'\$.state')='raised'"
}
has_alert() { [ "$(alerts_of "$1" "$2")" -ge 1 ]; }
radar_state() {
	ctl_json devices | python3 -c "import json,sys; d={x['name']:x['state'] for x in json.load(sys.stdin)}; sys.exit(d.get('radar')!='$1')" 2>/dev/null
}
start_radar() {
	[ -p "$tmp/radar.in" ] || mkfifo "$tmp/radar.in"
	"$sim" modbus --listen "127.0.0.1:$mport" --profile "$src/config/modbus/bed-radar.conf" \
		--scenario "$tmp/radar.sc" < "$tmp/radar.in" >> "$tmp/radar.log" 2>&1 3>&- 5>&- &
	radar_pid=$!
	exec 5> "$tmp/radar.in"
	poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$mport" 2>/dev/null
}

need_tools FAIL mosquitto dbus-daemon sqlite3 python3
[ -x "$gateway" ] && [ -x "$sim" ] && [ -x "$acker" ] || { echo "FAIL: programs not built"; exit 1; }

start_bus || exit 1
port=$(free_port)
mport=$(free_port)
printf '0 * set bed_occupancy=1 respiration_rate=16 heart_rate=72 device_fault=0\n' > "$tmp/radar.sc"
start_radar || { echo "FAIL: the Modbus simulator did not start"; cat "$tmp/radar.log"; exit 1; }
start_broker || { echo "FAIL: mosquitto did not start"; exit 1; }
start_ack "$tmp/ack.db" || { echo "FAIL: bedlink-ack did not start"; exit 1; }

cp "$src/config/thresholds/default.conf" "$tmp/thresholds.conf"
mkdir -p "$tmp/thresholds.conf.d"
cat > "$tmp/thresholds.conf.d/test.conf" <<'CONF'
# Short windows for the test. The whole day counts as night (23:59-00:00 aside).
[RR1]
persist_s = 10
[BED1]
night_start = 00:00
night_end = 23:59
no_return_min = 1
[TECH1]
silence_min = 1
CONF
write_gateway_conf gw-bedside '' ''
cat >> "$tmp/gw.conf" <<CONF
[rules]
thresholds = $tmp/thresholds.conf
[modbus.lan]
transport = tcp
address = 127.0.0.1:$mport
timeout = 300
[device.radar]
bus = lan
slave = 1
profile = $src/config/modbus/bed-radar.conf
poll_interval = 1000
CONF

# ---- a broken profile is named by file, line and key ----
sed 's/^type = u16$/type = u17/' "$src/config/modbus/bed-radar.conf" > "$tmp/broken.conf"
sed "s|^profile = .*|profile = $tmp/broken.conf|" "$tmp/gw.conf" > "$tmp/broken-gw.conf"
check "a broken Modbus profile is named by file, line and key" bash -c \
	"! '$gateway' --config '$tmp/broken-gw.conf' --check-config > '$tmp/broken.out' 2>&1 &&
	 grep -Eq 'broken.conf:[0-9]+: \[value\.[a-z_]+\] type' '$tmp/broken.out'"
sed 's/^bus = lan$/bus = nowhere/' "$tmp/gw.conf" > "$tmp/nobus.conf"
check "a device on an unknown bus is refused" bash -c \
	"! '$gateway' --config '$tmp/nobus.conf' --check-config > '$tmp/nobus.out' 2>&1 &&
	 grep -q '\[device.radar\] bus' '$tmp/nobus.out'"
check "--check-config accepts the bedside config" "$gateway" --config "$tmp/gw.conf" --check-config

start_gateway || { echo "FAIL: gateway did not start"; cat "$tmp/gw.log"; exit 1; }
check "the radar answers" poll 20 radar_state connected
check "radar readings reach the cloud (respiration 16, heart rate 72, in bed)" poll 20 db_at_least \
	"SELECT count(*) FROM records WHERE kind='reading' AND json_extract(json,'\$.device')='radar'
	 AND json_extract(json,'\$.measurement')='bedside' AND json_extract(json,'\$.mode')='continuous'
	 AND json_extract(json,'\$.values') LIKE '%respiration_rate%16%'" 2

# ---- respiration 7/min sustained -> RR1, P1 ----
radar_say "* set respiration_rate=7"
check "respiration 7/min held past the persistence window raises RR1 (P1)" poll 60 has_alert RR1 P1
check "the RR1 alert cites the readings and the limit" db_at_least \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='RR1'
	 AND json_array_length(json_extract(json,'\$.readings')) >= 1
	 AND json_extract(json,'\$.thresholds') LIKE '%respiration_at_most%'" 1
radar_say "* set respiration_rate=16"

# ---- a night-time bed exit without return -> BED1, P2, for the family ----
radar_say "* set bed_occupancy=0 respiration_rate=absent heart_rate=absent"
check "out of bed at night and not back within the window raises BED1 (P2)" poll 120 has_alert BED1 P2
check "the BED1 alert says it goes to the family" db_at_least \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='BED1'
	 AND json_extract(json,'\$.message') LIKE '%family%'" 1
radar_say "* set bed_occupancy=1 respiration_rate=16 heart_rate=72"

# ---- the radar stops answering: recorded, TECH1 after the silence, recovery by itself ----
stop_pid "$radar_pid"; radar_pid=''
exec 5>&-
check "bedlinkctl shows the radar not responding" poll 30 radar_state not_responding
check "the cloud gets a device_disconnected event with the reason" poll 30 db_at_least \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='device_disconnected'
	 AND json_extract(json,'\$.device')='radar'" 1
check "after the configured silence TECH1 (P4) is raised" poll 120 has_alert TECH1 P4
before=$(db "SELECT max(rowid) FROM records")
start_radar || { echo "FAIL: the Modbus simulator did not restart"; exit 1; }
check "the radar recovers by itself" poll 40 radar_state connected
check "and its readings flow again" poll 30 db_at_least \
	"SELECT count(*) FROM records WHERE rowid > $before AND kind='reading'
	 AND json_extract(json,'\$.device')='radar'" 2
check "everything is acknowledged in the end" poll 30 pending_is 0

check_summary
