#!/bin/bash
# SPDX-License-Identifier: MIT
# The gateway's local safety against real peers (bedlink-sim's fake BlueZ on a
# private D-Bus, Mosquitto, bedlink-ack): BP 185/115 asks for a confirming
# measurement and 182/112 raises a P1 alert citing both readings; glucose 2.8
# raises P1 at once; SpO2 89 held for 30 s raises P1 while a single 89 blip
# raises nothing; a call pressed while the broker is down is the first record
# delivered after it returns; a doctor's acknowledgement (down/notice) is
# announced; down/config overrides a threshold and a bad one is rejected; a
# visit that overruns raises a staff-safety alert; a USB button (evdev) press
# is a call; a bad thresholds file is named by file, line and key.
# Voice prompts go through a script that appends them to a file.
# Usage: test-safety.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-safety.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-safety.sh BUILD_DIR SOURCE_DIR}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
tmp=$(mktemp -d)

cleanup() {
	exec 4>&- 2>/dev/null
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() {
	show_logs 30 15 5
	tail -n 20 "$tmp/voice.log" 2>/dev/null
}

db() { sqlite3 -cmd ".timeout 5000" "$tmp/ack.db" "$1" 2>/dev/null; }
db_is() { [ "$(db "$1")" = "$2" ]; }
db_at_least() { local n; n=$(db "$1"); [ -n "$n" ] && [ "$n" -ge "$2" ]; }
sim_say() { echo "$*" >&3; }
said() { grep -q -- "$1" "$tmp/voice.log" 2>/dev/null; }
alerts_of() { # alerts_of RULE SEVERITY: stored alert records
	db "SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='$1'
	    AND json_extract(json,'\$.severity')='$2'"
}
alert_count_is() { [ "$(alerts_of "$1" "$2")" = "$3" ]; }
publish() { mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 "$@"; }
device_connected() {
	ctl_json devices | python3 -c "import json,sys; d={x['name']:x['state'] for x in json.load(sys.stdin)}; sys.exit(d.get('$1')!='connected')" 2>/dev/null
}

need_tools FAIL mosquitto mosquitto_pub dbus-daemon sqlite3 python3
[ -x "$gateway" ] && [ -x "$sim" ] && [ -x "$acker" ] || { echo "FAIL: programs not built"; exit 1; }

# ---- a bad thresholds file is named by file, line and key ----
port=1883 bus=unix:path=/nonexistent
write_gateway_conf gw-safety '' ''
printf '[BP1]\nsystolic_at_least = lots\n' > "$tmp/bad-thresholds.conf"
printf '[rules]\nthresholds = %s\n' "$tmp/bad-thresholds.conf" >> "$tmp/gw.conf"
check "a bad threshold makes the gateway refuse to start, naming file, line and key" bash -c \
	"! '$gateway' --config '$tmp/gw.conf' > '$tmp/bad.out' 2>&1 &&
	 grep -q 'bad-thresholds.conf:2: \[BP1\] systolic_at_least' '$tmp/bad.out'"

# ---- set up: bus, simulator, broker, acknowledger, gateway with a voice script and a USB button ----
start_bus || exit 1
cat > "$tmp/scenario" <<'SCEN'
0 C0:FF:EE:00:00:01 device profile=bp paired=yes
0 C0:FF:EE:00:00:02 device profile=glucose paired=yes
0 C0:FF:EE:00:00:03 device profile=oximeter paired=yes
SCEN
start_sim || { echo "FAIL: simulator did not start"; exit 1; }
port=$(free_port)
start_broker || { echo "FAIL: mosquitto did not start"; exit 1; }
start_ack "$tmp/ack.db" || { echo "FAIL: bedlink-ack did not start"; exit 1; }

cat > "$tmp/say" <<SAY
#!/bin/sh
printf '%s %s\n' "\$(date +%s%N)" "\$*" >> "$tmp/voice.log"
SAY
chmod +x "$tmp/say"
# The USB big button: a FIFO stands in for /dev/input/eventN (no uinput here); the
# gateway reads struct input_event from it exactly as from the kernel.
mkfifo "$tmp/button"
write_gateway_conf gw-safety '' '' \
	bpm C0:FF:EE:00:00:01 blood_pressure \
	glucometer C0:FF:EE:00:00:02 glucose \
	oximeter C0:FF:EE:00:00:03 pulse_oximeter
cat >> "$tmp/gw.conf" <<CONF
[rules]
thresholds = $tmp/thresholds.conf
[alarm]
voice_command = $tmp/say
[button.big]
source = evdev
device = $tmp/button
key = KEY_ENTER
CONF
# The shipped thresholds, with a drop-in as a clinic would write one: a short visit grace.
cp "$src/config/thresholds/default.conf" "$tmp/thresholds.conf"
mkdir -p "$tmp/thresholds.conf.d"
printf '[VISIT1]\ngrace_min = 1\n' > "$tmp/thresholds.conf.d/visit.conf"
check "--check-config accepts the safety config" "$gateway" --config "$tmp/gw.conf" --check-config
exec 4<> "$tmp/button"
start_gateway || { echo "FAIL: gateway did not start"; cat "$tmp/gw.log"; exit 1; }
for d in bpm glucometer oximeter; do
	check "device $d connects" poll 20 device_connected $d
done

# ---- BP 185/115 -> confirmation prompt -> 182/112 -> P1 citing both readings ----
sim_say "C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=80"
check "a first BP of 185/115 asks for a confirming measurement" poll 20 said "请静坐"
check "no alert before the confirmation" alert_count_is BP1 P1 0
sim_say "C0:FF:EE:00:00:01 bp systolic=182 diastolic=112 pulse=78"
check "182/112 confirms: a P1 BP1 alert reaches the cloud" poll 20 alert_count_is BP1 P1 1
check "the alert cites both readings and says it was confirmed" db_is \
	"SELECT count(*) FROM records a WHERE kind='alert' AND json_extract(a.json,'\$.rule')='BP1'
	 AND json_extract(a.json,'\$.confirmation')='confirmed'
	 AND json_array_length(json_extract(a.json,'\$.readings'))=2
	 AND (SELECT count(*) FROM records r, json_each(json_extract(a.json,'\$.readings')) s
	      WHERE r.seq=s.value AND json_extract(r.json,'\$.values[0].value') IN (185,182))=2" 1
check "the alert carries the thresholds in force" db_at_least \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='BP1'
	 AND json_extract(json,'\$.thresholds') LIKE '%180%'" 1

# ---- glucose 2.8 -> P1 at once ----
sim_say "C0:FF:EE:00:00:02 glucose mmol=2.8"
check "glucose 2.8 mmol/L raises a P1 BG4 alert" poll 20 alert_count_is BG4 P1 1

# ---- SpO2: a single 89 blip raises nothing; 89 held for 30 s raises P1 ----
sim_say "C0:FF:EE:00:00:03 spo2 spo2=89 pulse=80 continuous=yes"
sim_say "C0:FF:EE:00:00:03 spo2 spo2=97 pulse=80 continuous=yes"
for i in $(seq 1 8); do
	sim_say "C0:FF:EE:00:00:03 spo2 spo2=97 pulse=80 continuous=yes"
	sleep 1
done
check "a single SpO2 89 blip raises no alert" db_is \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule') LIKE 'OX%'" 0
for i in $(seq 1 34); do
	sim_say "C0:FF:EE:00:00:03 spo2 spo2=89 pulse=80 continuous=yes"
	sleep 1
done
check "SpO2 89 held for 30 s raises a P1 OX1 alert" poll 20 alert_count_is OX1 P1 1

# ---- a call pressed while the broker is down is the first record after reconnection ----
check "everything so far is acknowledged" poll 30 pending_is 0
stop_pid "$broker_pid"; broker_pid=
for i in 1 2 3 4 5; do sim_say "C0:FF:EE:00:00:02 glucose mmol=6.$i"; done
poll 20 pending_at_least 5
before=$(db "SELECT max(rowid) FROM records")
check "bedlinkctl press answers at once with the broker down" gwctl press
check "the bedside acknowledges the call by voice" poll 10 said "已收到您的呼叫\|呼叫"
start_broker || { echo "FAIL: mosquitto did not restart"; exit 1; }
check "the call and its CALL alert reach the cloud after the broker returns" poll 60 db_at_least \
	"SELECT count(*) FROM records WHERE rowid > $before AND
	 (json_extract(json,'\$.event')='call' OR json_extract(json,'\$.rule')='CALL')" 2
check "the call is delivered before the readings that waited longer" db_is \
	"SELECT json_extract(json,'\$.event') IS 'call' OR json_extract(json,'\$.rule') IS 'CALL'
	 FROM records WHERE rowid = (SELECT min(rowid) FROM records WHERE rowid > $before)" 1
check "the waiting readings arrive too" poll 30 pending_is 0

# ---- the doctor acknowledges the call: announced at the bedside ----
call_id=$(db "SELECT json_extract(json,'\$.alert_id') FROM records WHERE kind='alert'
	      AND json_extract(json,'\$.rule')='CALL' ORDER BY rowid DESC LIMIT 1")
publish -t "bedlink/v1/gw-safety/down/notice" \
	-m "{\"v\":1,\"type\":\"alert_acknowledged\",\"alert_id\":$call_id,\"rule\":\"CALL\",\"text\":\"医生已看到您的呼叫\"}"
check "the doctor's acknowledgement is spoken" poll 20 said "医生已看到您的呼叫"
check "and recorded as notice_announced" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='notice_announced'
	 AND json_extract(json,'\$.detail.alert_id')='$call_id'" 1

# ---- a USB button press (evdev) is a call ----
python3 -c "
import struct, sys
ev = lambda t, c, v: struct.pack('llHHi', 0, 0, t, c, v)
sys.stdout.buffer.write(ev(1, 28, 1) + ev(0, 0, 0) + ev(1, 28, 0) + ev(0, 0, 0))" >&4
check "a press of the USB button raises a call from button.big" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='call'
	 AND json_extract(json,'\$.detail.source')='button.big'" 1
check "bedlinkctl press --cancel records the cancellation" gwctl press --cancel
check "the cancellation reaches the cloud" poll 20 db_at_least \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='call_cancelled'" 1
check "the cancelled calls' alerts are marked cancelled" poll 20 db_at_least \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='CALL'
	 AND json_extract(json,'\$.state')='cancelled'" 1

# ---- down/config: an override applies, a bad one is rejected ----
publish -r -t "bedlink/v1/gw-safety/down/config" \
	-m '{"v":1,"version":2,"patient":"p-test","thresholds":{"BG1":{"glucose_at_least":"nonsense"}}}'
check "a bad override is rejected and reported" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='config_applied'
	 AND json_extract(json,'\$.detail.result')='rejected'" 1
publish -r -t "bedlink/v1/gw-safety/down/config" \
	-m '{"v":1,"version":3,"patient":"p-test","schedules":[{"name":"bp","kind":"measurement","measurement":"blood_pressure","times":["08:00","20:00"]}]}'
check "a good config is applied" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='config_applied'
	 AND json_extract(json,'\$.detail.version')='3'" 1
check "bedlinkctl alerts shows the schedule" bash -c "'$ctl' --socket '$tmp/gw.sock' alerts | grep -q 'bp .*08:00 20:00'"

# ---- a visit that overruns raises a staff-safety alert; its end is recorded ----
check "visit start is accepted" gwctl visit start --staff N0042 --service nursing --expected 1
check "a second visit start is refused while one is open" bash -c \
	"! '$ctl' --socket '$tmp/gw.sock' visit start --staff N0043 --service nursing 2> '$tmp/v.err' &&
	 grep -q 'already open' '$tmp/v.err'"
check "the visit start reaches the cloud with the staff id" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='visit_start'
	 AND json_extract(json,'\$.detail.staff')='N0042'" 1
check "an overrun visit raises the VISIT1 staff-safety alert" poll 150 db_at_least \
	"SELECT count(*) FROM records WHERE kind='alert' AND json_extract(json,'\$.rule')='VISIT1'" 1
check "visit end is accepted" gwctl visit end
check "the visit end reaches the cloud with its duration" poll 20 db_is \
	"SELECT count(*) FROM records WHERE json_extract(json,'\$.event')='visit_end'
	 AND json_extract(json,'\$.detail.duration_min') IS NOT NULL" 1

check_summary
