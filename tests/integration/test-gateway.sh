#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole gateway against real peers: bedlink-sim's fake org.bluez on a
# private D-Bus, a real Mosquitto on a free loopback port, and bedlink-ack (the
# reference acknowledger) committing to SQLite. Checks what a clinic relies on:
# every profile's reading arrives with its canonical values; RACP after a
# reconnect fetches only new records; garbage from a device is logged and
# counted and the next good reading still arrives; a broker outage of a minute loses
# nothing and delivers in order; kill -9 of the gateway at random moments
# while it flushes 10,000 records, 20 times, leaves every record stored
# exactly once with no gap in seq; a bad config is named by file, line, key.
# Usage: test-gateway.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-gateway.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-gateway.sh BUILD_DIR SOURCE_DIR}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
tmp=$(mktemp -d)

cleanup() {
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE


db() { sqlite3 -cmd ".timeout 5000" "$tmp/ack.db" "$1" 2>/dev/null; }
db_is() { [ "$(db "$1")" = "$2" ]; }

sim_say() { echo "$*" >&3; }

sim_notified() { [ "$(grep -c "^notify $1" "$tmp/sim.log")" -ge "$2" ]; }
device_state() {
	ctl_json devices | python3 -c "import json,sys; d={x['name']:x['state'] for x in json.load(sys.stdin)}; sys.exit(d.get('$1')!='$2')" 2>/dev/null
}
device_connected() { device_state "$1" connected; }
# readings_with QUANTITY VALUE: how many stored readings carry that value.
readings_with() {
	db "SELECT count(*) FROM records, json_each(json_extract(json, '\$.values')) v
	    WHERE kind='reading' AND json_extract(v.value,'\$.quantity')='$1'
	    AND json_extract(v.value,'\$.value')=$2"
}

need_tools FAIL mosquitto dbus-daemon sqlite3 python3
[ -x "$gateway" ] && [ -x "$sim" ] && [ -x "$acker" ] || { echo "FAIL: programs not built"; exit 1; }

# ---- set up: bus, simulator with five paired devices, broker, acknowledger, gateway ----
start_bus || exit 1
cat > "$tmp/scenario" <<'SCEN'
0 C0:FF:EE:00:00:01 device profile=bp paired=yes
0 C0:FF:EE:00:00:02 device profile=glucose paired=yes
0 C0:FF:EE:00:00:03 device profile=oximeter paired=yes
0 C0:FF:EE:00:00:04 device profile=thermometer paired=yes
0 C0:FF:EE:00:00:05 device profile=scale paired=yes
SCEN
start_sim || { echo "FAIL: simulator did not start"; exit 1; }

port=$(free_port)
start_broker || { echo "FAIL: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }
start_ack "$tmp/ack.db" || { echo "FAIL: bedlink-ack did not start"; cat "$tmp/ack.log"; exit 1; }
write_gateway_conf gw-test '' 100 \
	bpm C0:FF:EE:00:00:01 blood_pressure \
	glucometer C0:FF:EE:00:00:02 glucose \
	oximeter C0:FF:EE:00:00:03 pulse_oximeter \
	thermometer C0:FF:EE:00:00:04 thermometer \
	scale C0:FF:EE:00:00:05 weight_scale
check "--check-config accepts the test config" "$gateway" --config "$tmp/gw.conf" --check-config
start_gateway || { echo "FAIL: gateway did not start"; cat "$tmp/gw.log"; exit 1; }

for d in bpm glucometer oximeter thermometer scale; do
	check "device $d connects" poll 20 device_connected $d
done

# ---- every profile's reading arrives with its canonical values ----
sim_say "C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=88"
sim_say "C0:FF:EE:00:00:02 glucose mmol=3.2 meal=fasting"
sim_say "C0:FF:EE:00:00:03 spo2 spo2=89 pulse=104"
sim_say "C0:FF:EE:00:00:04 temp celsius=37.8"
sim_say "C0:FF:EE:00:00:05 weight kg=65.7"
check "blood pressure 185/115 stored by the acknowledger" poll 20 db_is \
	"SELECT count(*) FROM records WHERE kind='reading' AND json_extract(json,'\$.device')='bpm'
	 AND json_extract(json,'\$.values[0].value')=185 AND json_extract(json,'\$.values[1].value')=115" 1
check "glucose 3.2 mmol/L, fasting" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.device')='glucometer'
	 AND json_extract(json,'\$.values[0].value')=3.2 AND json_extract(json,'\$.meal')='fasting'" 1
check "SpO2 89 % with pulse 104" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.device')='oximeter'
	 AND json_extract(json,'\$.values[0].value')=89 AND json_extract(json,'\$.values[1].value')=104" 1
check "temperature 37.8 C" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.device')='thermometer'
	 AND json_extract(json,'\$.values[0].value')=37.8" 1
check "weight 65.7 kg" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.device')='scale'
	 AND json_extract(json,'\$.values[0].value')=65.7" 1
check "everything acknowledged: the outbox has nothing pending" poll 20 pending_is 0

# ---- RACP: after a reconnect only the new record is fetched ----
sim_say "C0:FF:EE:00:00:02 disconnect"
poll 10 device_state glucometer disconnected
sim_say "C0:FF:EE:00:00:02 glucose mmol=7.4"
sim_say "C0:FF:EE:00:00:02 reconnect"
check "the new glucose record arrives after the reconnect" poll 30 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.values[0].value')=7.4
	 AND json_extract(json,'\$.mode')='stored'" 1
check "the old glucose record is not delivered twice" db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.device')='glucometer' AND kind='reading'" 2
check "the simulator saw a 'report records >= N' request" grep -Eq 'racp C0:FF:EE:00:00:02 0103' "$tmp/sim.log"

# ---- garbage from a device is logged and counted; the next good reading arrives ----
sim_say "C0:FF:EE:00:00:01 raw 2A35 1e"
sim_say "C0:FF:EE:00:00:01 raw 2A35 ffffffffffffffffffffffffffffffffffffffffffff"
sim_say "C0:FF:EE:00:00:01 bp systolic=132 diastolic=84 pulse=70"
check "a truncated value becomes a device_error event" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='device_error'
	 AND json_extract(json,'\$.device')='bpm' AND json_extract(json,'\$.message') LIKE '2A35:%'" 2
check "the next good reading is delivered" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.values[0].value')=132" 1
check "bedlinkctl counts the unusable values" bash -c \
	"'$ctl' --socket '$tmp/gw.sock' status | grep -q '2 values from devices could not be used'"

# ---- the broker is away while readings arrive: nothing lost, delivered in seq order ----
before=$(db "SELECT max(rowid) FROM records")
stop_pid "$broker_pid"; broker_pid=
# A minute without the broker, one reading every two seconds, as at a real bedside.
outage_start=$SECONDS
for i in $(seq 1 30); do
	sim_say "C0:FF:EE:00:00:03 spo2 spo2=$((60 + i)) pulse=$((60 + i))"
	sleep 2
done
check "the broker was away for a minute" test $((SECONDS - outage_start)) -ge 60
check "readings wait in the outbox while the broker is down" poll 20 pending_at_least 30
start_broker
check "after the broker returns all 30 are stored" poll 90 db_is \
	"SELECT count(*) FROM records WHERE kind='reading' AND json_extract(json,'\$.device')='oximeter'
	 AND rowid > $before AND json_extract(json,'\$.values[0].value') BETWEEN 61 AND 90" 30
check "the 30 arrived in seq order" db_is \
	"SELECT count(*) FROM (SELECT seq, lag(seq) OVER (ORDER BY rowid) AS prev FROM records
	 WHERE kind='reading' AND rowid > $before) WHERE prev IS NOT NULL AND seq < prev" 0
check "the outbox drains to nothing pending" poll 30 pending_is 0

# ---- kill -9 at random moments during a 10,000-record flush, 20 times ----
stop_pid "$ack_pid"; ack_pid=
# Fed in chunks: the simulator, like a real radio, queues a bounded number of notifications.
sent=$(grep -c '^notify C0:FF:EE:00:00:03 2A5F' "$tmp/sim.log")
for chunk in $(seq 0 9); do
	python3 -c '
import sys
c = int(sys.argv[1])
for i in range(c * 1000, c * 1000 + 1000):
    print("C0:FF:EE:00:00:03 spo2 spo2=%d pulse=%d continuous=yes" % (80 + i % 20, 50 + i % 100))
' "$chunk" >&3
	poll 60 sim_notified "C0:FF:EE:00:00:03 2A5F" $((sent + (chunk + 1) * 1000)) || break
done
check "10,000 continuous readings stored by the gateway" poll 60 pending_at_least 10000
start_ack "$tmp/ack.db"
for round in $(seq 20); do
	sleep "0.$((RANDOM % 40 + 5))"
	kill -9 "$gw_pid" 2>/dev/null
	wait "$gw_pid" 2>/dev/null
	start_gateway || break
done
check "after 20 kills the outbox drains completely" poll 120 pending_is 0
max=$(db "SELECT max(seq) FROM records WHERE gateway='gw-test'")
check "seq has no gap: 1..$max all stored" db_is \
	"SELECT count(DISTINCT seq) = $max AND min(seq) = 1 FROM records WHERE gateway='gw-test'" 1
check "all 10,000 continuous readings stored exactly once" db_is \
	"SELECT count(*) FROM records WHERE kind='reading' AND json_extract(json,'\$.mode')='continuous'" 10000
check "nothing quarantined by the acknowledger" db_is "SELECT count(*) FROM quarantine" 0

# ---- a bad config is named by file, line and key ----
printf '[gateway]\nid = gw-test\n[mqtt]\nport = 18x3\n' > "$tmp/bad.conf"
check "--check-config names file, line and key" bash -c \
	"'$gateway' --config '$tmp/bad.conf' --check-config 2>&1 | grep -q \"$tmp/bad.conf:4: \[mqtt\] port: '18x3': expected a whole number\""

check_summary
