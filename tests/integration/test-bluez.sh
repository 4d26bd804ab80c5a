#!/bin/sh
# SPDX-License-Identifier: MIT
# The BlueZ client as the gateway runs it, against bedlink-sim's fake org.bluez
# on a private D-Bus: every profile's reading with its canonical values, quirks
# by model, RACP incremental sync (only new records, none twice, the watermark
# kept across a restart, interrupted and timed-out reports resumed, a meter
# reset), a bad value followed by a good one, devices hanging up, the adapter
# removed and powered off, bluetoothd restarting and hanging, the device clock
# set, scanning, and passkey pairing. bluez-probe prints one JSON line per
# callback; the simulator one line per thing it did. Each phase has its own
# private bus.
# Usage: test-bluez.sh BUILD_DIR SOURCE_DIR   (BEDLINK_SIM overrides the simulator)
set -u
build=${1:?usage: test-bluez.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-bluez.sh BUILD_DIR SOURCE_DIR}
sim=${BEDLINK_SIM:-$build/sim/bedlink-sim}
probe="$build/tests/integration/bluez-probe"
: "$src"

if [ ! -x "$sim" ]; then
	echo "SKIP: $sim is not built"
	exit 77
fi

tmp=$(mktemp -d)
passed=0
failed=0
bus_pid=
sim_pid=
probe_pid=

# Every process started here is ended by PID; the simulator's stdin (fd 3) is closed.
# stop_pid PID: SIGTERM, a bounded wait, then SIGKILL; returns the exit status.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# The probe must exit 0 on SIGTERM, without a sanitizer report (leaks included).
stop_probe() {
	[ -n "$probe_pid" ] || return 0
	stop_pid "$probe_pid"
	rc=$?
	probe_pid=
	check "bluez-probe exits cleanly on SIGTERM (status $rc)" test "$rc" -eq 0
	check "no sanitizer report" test "$(count "$tmp/probe.err" 'Sanitizer|runtime error')" -eq 0
}
stop_all() {
	stop_pid "$probe_pid"
	probe_pid=
	exec 3>&-
	stop_pid "$sim_pid"
	sim_pid=
	stop_pid "$bus_pid"
	bus_pid=
}
cleanup() {
	stop_all
	if [ -n "${BEDLINK_KEEP:-}" ]; then
		echo "outputs kept in $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# A simulator that died must fail checks, not kill this script with SIGPIPE.
trap '' PIPE

# wait_for FILE PATTERN [SECONDS]: polls until a line of FILE matches PATTERN (grep -E).
wait_for() {
	i=0
	n=$((${3:-20} * 10))
	while [ $i -lt $n ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_count FILE PATTERN N [SECONDS]: polls until N lines of FILE match.
wait_count() {
	i=0
	n=$((${4:-20} * 10))
	while [ $i -lt $n ]; do
		[ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

count() {
	grep -Ec -- "$2" "$1" 2>/dev/null
}

# check NAME COMMAND...: one result; on failure the outputs of the phase are shown.
check() {
	name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $phase: $name"
		for f in "$tmp/sim.out" "$tmp/probe.out" "$tmp/probe.err" "$tmp/sim.err"; do
			[ -s "$f" ] && { echo "  --- $(basename "$f")"; tail -n 25 "$f" | sed 's/^/  /'; }
		done
	fi
}

start_bus() {
	out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 --nopidfile) || return 1
	bus=$(echo "$out" | sed -n 1p)
	bus_pid=$(echo "$out" | sed -n 2p)
}

# start_sim SCENARIO-TEXT: the simulator reads the scenario file, then live lines on fd 3.
start_sim() {
	printf '%s\n' "$1" >"$tmp/scenario"
	rm -f "$tmp/sim.in"
	mkfifo "$tmp/sim.in"
	"$sim" ble --bus "$bus" --scenario "$tmp/scenario" --connect-timeout 1 \
		<"$tmp/sim.in" >>"$tmp/sim.out" 2>>"$tmp/sim.err" &
	sim_pid=$!
	exec 3>"$tmp/sim.in"
	wait_for "$tmp/sim.out" '^ready$' 10
}

sim_do() {
	printf '%s\n' "$1" >&3
}

start_probe() {
	"$probe" --bus "$bus" --reconnect-min 200 --reconnect-max 1000 "$@" \
		>>"$tmp/probe.out" 2>>"$tmp/probe.err" 3>&- &
	probe_pid=$!
}

# phase NAME: a fresh bus, empty outputs (the last phase's are kept as PHASE.FILE).
phase() {
	stop_probe
	stop_all
	for f in sim.out sim.err probe.out probe.err; do
		[ -n "${phase:-}" ] && [ -f "$tmp/$f" ] && mv "$tmp/$f" "$tmp/$phase.$f"
	done
	phase=$1
	rm -f "$tmp/state"
	: >"$tmp/sim.out"
	: >"$tmp/probe.out"
	start_bus || {
		echo "FAIL: cannot start dbus-daemon"
		exit 1
	}
}

state_line() { # DEVICE STATE
	printf '"event":"state","device":"%s","state":"%s"' "$1" "$2"
}
reading() { # DEVICE then the JSON fragment of the values
	printf '"device":"%s",.*%s' "$1" "$2"
}
value() { # QUANTITY VALUE
	printf '\\{"quantity":"%s","value":%s,' "$1" "$2"
}

BP=C0:FF:EE:00:00:01
GL=C0:FF:EE:00:00:02
OX=C0:FF:EE:00:00:03
TH=C0:FF:EE:00:00:04
SC=C0:FF:EE:00:00:05

# ---- every profile: its reading with the canonical values ----
phase profiles
start_sim "$BP device profile=bp paired=yes
$GL device profile=glucose paired=yes live=no
$GL glucose mgdl=110 meal=fasting
$GL glucose mmol=7.2
$OX device profile=oximeter paired=yes
$TH device profile=thermometer paired=yes
$SC device profile=scale paired=yes
$BP bp systolic=128 diastolic=82 pulse=71
$TH temp celsius=37.2 type=ear
$SC weight kg=72.4"
start_probe --device bp,$BP,blood_pressure --device glu,$GL,glucose \
	--device ox,$OX,pulse_oximeter --device th,$TH,thermometer --device sc,$SC,weight_scale
check "blood pressure 128/82, pulse 71" wait_for "$tmp/probe.out" \
	"$(reading bp "$(value systolic 128).*$(value diastolic 82).*$(value pulse_rate 71)")"
check "glucose 110 mg/dL as 6.1 mmol/L, fasting, stored" wait_for "$tmp/probe.out" \
	"$(reading glu '"mode":"stored".*"device_record":1,"meal":"fasting".*')$(value glucose 6.1)"
check "glucose 7.2 mmol/L" wait_for "$tmp/probe.out" \
	"$(reading glu '"device_record":2,.*')$(value glucose 7.2)"
check "thermometer 37.2 C" wait_for "$tmp/probe.out" \
	"$(reading th "$(value body_temperature 37.2)")"
check "scale 72.4 kg" wait_for "$tmp/probe.out" "$(reading sc "$(value weight 72.4)")"
check "oximeter connected" wait_for "$tmp/probe.out" "$(state_line ox connected)"
sim_do "$OX spo2 spo2=97 pulse=68"
check "oximeter spot check 97 %, 68/min" wait_for "$tmp/probe.out" \
	"$(reading ox "\"mode\":\"spot\".*$(value spo2 97).*$(value pulse_rate 68)")"
sim_do "$OX spo2 spo2=95 pulse=72 continuous=yes"
check "oximeter continuous 95 %" wait_for "$tmp/probe.out" \
	"$(reading ox "\"mode\":\"continuous\".*$(value spo2 95)")"
sim_do "$TH temp fahrenheit=99.5"
check "thermometer 99.5 F as 37.5 C" wait_for "$tmp/probe.out" \
	"$(reading th "\\{\"quantity\":\"body_temperature\",\"value\":37.5,\"unit\":\"C\",\"raw\":99.5,\"raw_unit\":\"F\"")"
sim_do "$BP bp systolic=16 diastolic=10.6 unit=kpa"
check "blood pressure in kPa converted to mmHg" wait_for "$tmp/probe.out" \
	"$(reading bp "$(value systolic 120)\"unit\":\"mmHg\",\"raw\":16,\"raw_unit\":\"kPa\"")"
check "model read from Device Information" wait_for "$tmp/probe.out" \
	"$(state_line sc connected).*\"model\":\"SIM-SC1\",\"battery\":100"
check "no bad values" test "$(count "$tmp/probe.out" '"event":"bad_value"')" -eq 0

# ---- a monitor known to break the specification, found by its model number ----
phase quirks
start_sim "$BP device profile=bp paired=yes model=BM85
$BP bp systolic=118 diastolic=76 pulse=63 user=2"
start_probe --device bp,$BP,blood_pressure
check "Beurer BM85 decoded with its quirks: pulse 63" wait_for "$tmp/probe.out" \
	"$(reading bp "$(value systolic 118).*$(value pulse_rate 63)")"
check "model reported" wait_for "$tmp/probe.out" '"model":"BM85"'
check "no bad value" test "$(count "$tmp/probe.out" '"event":"bad_value"')" -eq 0

# ---- RACP: only new records, none twice, the watermark persisted ----
phase racp
start_sim "$GL device profile=glucose paired=yes
$GL glucose mgdl=101
$GL glucose mgdl=102 meal=preprandial
$GL glucose mgdl=103"
start_probe --device glu,$GL,glucose --state "$tmp/state"
check "first contact reports all records" wait_for "$tmp/sim.out" "^racp $GL 0101$"
check "watermark 3 stored after the response code" wait_for "$tmp/probe.out" \
	'"event":"state_set","device":"glu","key":"racp_last_seq","value":"3"'
sim_do "$GL disconnect"
check "the meter hangs up" wait_for "$tmp/probe.out" "$(state_line glu disconnected)"
sim_do "$GL glucose mgdl=104"
sim_do "$GL glucose mgdl=105"
sim_do "$GL reconnect"
check "after a reconnect only records from 4 are asked for" wait_for "$tmp/sim.out" \
	"^racp $GL 0103010400$"
check "watermark 5 stored" wait_for "$tmp/probe.out" '"key":"racp_last_seq","value":"5"'
rec4=$(sed -n "s/^notify $GL 2A18 \\(..0400.*\\)$/\\1/p" "$tmp/sim.out" | head -n 1)
sim_do "$GL raw 2A18 $rec4"
sim_do "$GL glucose mgdl=106"
check "a live record arrives" wait_for "$tmp/probe.out" '"device_record":6,'
for n in 1 2 3 4 5 6; do
	check "record $n delivered exactly once" \
		test "$(count "$tmp/probe.out" "\"device_record\":$n,")" -eq 1
done
check "the live record was synced: report from 6" wait_for "$tmp/sim.out" "^racp $GL 0103010600$"
check "watermark 6 stored" wait_for "$tmp/probe.out" '"key":"racp_last_seq","value":"6"'
check "three report requests in all" test "$(count "$tmp/sim.out" "^racp $GL 01")" -eq 3
stop_probe
: >"$tmp/probe.out"
sim_do "$GL disconnect"
sim_do "$GL reconnect"
start_probe --device glu,$GL,glucose --state "$tmp/state"
check "a restarted client resumes after the stored watermark" wait_for "$tmp/sim.out" \
	"^racp $GL 0103010700$"
check "and delivers nothing old" wait_for "$tmp/probe.err" "RACP sync done"
check "no reading after the restart" test "$(count "$tmp/probe.out" '"kind":"reading"')" -eq 0

# ---- the meter hangs up in the middle of a report ----
phase interrupted
scenario="$GL device profile=glucose paired=yes live=no"
for i in $(seq 1 500); do
	scenario="$scenario
$GL glucose mgdl=$((80 + i % 100))"
done
start_sim "$scenario"
start_probe --device glu,$GL,glucose --state "$tmp/state"
wait_for "$tmp/sim.out" "^racp $GL 0101$"
sim_do "$GL disconnect"
check "the sync is interrupted" wait_for "$tmp/probe.err" "RACP sync interrupted"
got=$(count "$tmp/probe.out" '"kind":"reading"')
check "part of the records arrived ($got)" test "$got" -gt 0 -a "$got" -lt 500
check "no watermark stored without the response code" \
	test "$(count "$tmp/probe.out" '"event":"state_set"')" -eq 0
next=$((got + 1))
sim_do "$GL reconnect"
check "the next sync starts after the last record received" wait_for "$tmp/sim.out" \
	"^racp $GL 010301$(printf '%02x%02x' $((next % 256)) $((next / 256)))$"
check "watermark 500 stored" wait_for "$tmp/probe.out" '"key":"racp_last_seq","value":"500"'
check "500 readings" test "$(count "$tmp/probe.out" '"kind":"reading"')" -eq 500
check "500 different records" test "$(grep -o '"device_record":[0-9]*' "$tmp/probe.out" |
	sort -u | wc -l)" -eq 500

# ---- a report that does not finish in time is aborted ----
phase racp-timeout
start_sim "$scenario"
start_probe --device glu,$GL,glucose --state "$tmp/state" --racp-timeout 2000
wait_for "$tmp/sim.out" "^racp $GL 0101$"
kill -STOP "$sim_pid"
check "the procedure times out" wait_for "$tmp/probe.err" "RACP procedure took longer than 2000 ms"
kill -CONT "$sim_pid"
check "abort written" wait_for "$tmp/sim.out" "^racp $GL 0300$"
check "then all records, none twice, after reconnecting" wait_for "$tmp/probe.out" \
	'"key":"racp_last_seq","value":"500"' 40
check "500 readings once each" test "$(grep -o '"device_record":[0-9]*' "$tmp/probe.out" |
	sort -u | wc -l)" -eq 500 -a "$(count "$tmp/probe.out" '"kind":"reading"')" -eq 500

# ---- a meter whose memory and numbering were reset ----
phase reset
start_sim "$GL device profile=glucose paired=yes live=no
$GL glucose mgdl=120
$GL glucose mgdl=121
$GL glucose mgdl=122"
start_probe --device glu,$GL,glucose --state "$tmp/state"
check "watermark 3" wait_for "$tmp/probe.out" '"key":"racp_last_seq","value":"3"'
sim_do "$GL remove"
check "removed device is absent" wait_for "$tmp/probe.out" "$(state_line glu absent)"
sim_do "$GL device profile=glucose paired=yes live=no"
sim_do "$GL glucose mgdl=130"
check "nothing above 3: the newest record is asked for" wait_for "$tmp/sim.out" "^racp $GL 0106$"
check "then all records" wait_count "$tmp/sim.out" "^racp $GL 0101$" 2
check "the record after the reset arrives" wait_for "$tmp/probe.out" \
	"$(reading glu '"device_record":1,.*')$(value glucose 7.2)"
check "watermark moves back to 1" wait_for "$tmp/probe.out" '"key":"racp_last_seq","value":"1"'
sim_do "$GL disconnect"
sim_do "$GL glucose mgdl=140"
sim_do "$GL glucose mgdl=150"
sim_do "$GL reconnect"
check "new records reuse the old numbers and still arrive" wait_for "$tmp/probe.out" \
	"$(reading glu '"device_record":3,.*')$(value glucose 8.3)"
check "record 2 too" wait_for "$tmp/probe.out" "$(reading glu '"device_record":2,.*')$(value glucose 7.8)"
check "watermark 3 again" wait_count "$tmp/probe.out" '"key":"racp_last_seq","value":"3"' 2
check "six readings in all" test "$(count "$tmp/probe.out" '"kind":"reading"')" -eq 6

# ---- a value that does not decode, then a good one ----
phase bad-value
start_sim "$BP device profile=bp paired=yes hangup=no"
start_probe --device bp,$BP,blood_pressure
check "monitor connected" wait_for "$tmp/probe.out" "$(state_line bp connected)"
sim_do "$BP raw 2A35 1e7c00"
check "garbage reported as a bad value naming 2A35" wait_for "$tmp/probe.out" \
	'"event":"bad_value","device":"bp","message":"2A35: [^"]+"'
sim_do "$BP bp systolic=131 diastolic=84"
check "the next good reading arrives" wait_for "$tmp/probe.out" "$(reading bp "$(value systolic 131)")"
check "the device stayed bound" test "$(count "$tmp/probe.out" "$(state_line bp disconnected)")" -eq 1

# ---- the monitor hangs up after delivering; the next measurement reconnects ----
phase reconnect
start_sim "$BP device profile=bp paired=yes
$TH device profile=thermometer paired=yes sleeps=no"
start_probe --device bp,$BP,blood_pressure --device th,$TH,thermometer
check "thermometer connected" wait_for "$tmp/probe.out" "$(state_line th connected)"
sim_do "$BP bp systolic=140 diastolic=90"
check "monitor reading" wait_for "$tmp/probe.out" "$(reading bp "$(value systolic 140)")"
check "monitor hung up (normal)" wait_for "$tmp/probe.out" \
	"$(state_line bp disconnected).*\"readings\":1"
sim_do "$BP bp systolic=142 diastolic=91"
check "monitor reconnects for its next reading" wait_for "$tmp/probe.out" \
	"$(reading bp "$(value systolic 142)")"
sim_do "$TH disconnect"
check "thermometer dropped" wait_for "$tmp/probe.out" "$(state_line th disconnected)"
sim_do "$TH reconnect"
check "thermometer back" wait_count "$tmp/probe.out" "$(state_line th connected)" 2
sim_do "$TH temp celsius=36.8"
check "reading after the reconnect" wait_for "$tmp/probe.out" \
	"$(reading th "$(value body_temperature 36.8)")"

# ---- the adapter goes off and comes back ----
phase adapter
start_sim "$TH device profile=thermometer paired=yes sleeps=no
$OX device profile=oximeter paired=yes"
start_probe --device th,$TH,thermometer --device ox,$OX,pulse_oximeter
check "oximeter connected" wait_for "$tmp/probe.out" "$(state_line ox connected)"
check "thermometer connected" wait_for "$tmp/probe.out" "$(state_line th connected)"
sim_do "adapter off"
check "devices lost with the adapter" wait_for "$tmp/probe.out" "$(state_line th '(absent|disconnected)')"
check "oximeter too" wait_for "$tmp/probe.out" "$(state_line ox '(absent|disconnected)')"
sim_do "adapter on"
check "thermometer rebound" wait_count "$tmp/probe.out" "$(state_line th connected)" 2
check "oximeter rebound" wait_count "$tmp/probe.out" "$(state_line ox connected)" 2
sim_do "$TH temp celsius=37.9"
check "reading after the adapter came back" wait_for "$tmp/probe.out" \
	"$(reading th "$(value body_temperature 37.9)")"

# ---- the adapter is powered off (rfkill, a user) and on again ----
phase powered
start_sim "$OX device profile=oximeter paired=yes"
start_probe --device ox,$OX,pulse_oximeter
check "connected" wait_for "$tmp/probe.out" "$(state_line ox connected)"
busctl --address="$bus" set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b false
check "disconnected, still known, while powered off" wait_for "$tmp/probe.out" \
	"$(state_line ox disconnected)"
check "not absent" test "$(count "$tmp/probe.out" "$(state_line ox absent)")" -eq 0
busctl --address="$bus" set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b true
check "connected again when powered on" wait_count "$tmp/probe.out" "$(state_line ox connected)" 2
sim_do "$OX spo2 spo2=96 pulse=61"
check "reading after power came back" wait_for "$tmp/probe.out" "$(reading ox "$(value spo2 96)")"

# ---- bluetoothd stops answering: the adapter check times out, the bus is reconnected ----
phase hung
start_sim "$OX device profile=oximeter paired=yes"
start_probe --device ox,$OX,pulse_oximeter
check "connected" wait_for "$tmp/probe.out" "$(state_line ox connected)"
kill -STOP "$sim_pid"
check "a hung org.bluez is noticed within the adapter check" wait_for "$tmp/probe.err" \
	"did not answer within" 40
check "devices absent meanwhile" wait_for "$tmp/probe.out" "$(state_line ox absent)"
kill -CONT "$sim_pid"
check "bound again on the new connection" wait_count "$tmp/probe.out" "$(state_line ox connected)" 2
sim_do "$OX spo2 spo2=94 pulse=77"
check "reading after the recovery" wait_for "$tmp/probe.out" "$(reading ox "$(value spo2 94)")"

# ---- bluetoothd goes away and restarts ----
phase restart
start_sim "$OX device profile=oximeter paired=yes"
start_probe --device ox,$OX,pulse_oximeter
check "connected" wait_for "$tmp/probe.out" "$(state_line ox connected)"
exec 3>&-
stop_pid "$sim_pid"
check "absent while org.bluez is gone" wait_for "$tmp/probe.out" "$(state_line ox absent)"
start_sim "$OX device profile=oximeter paired=yes"
check "bound again when it returns" wait_count "$tmp/probe.out" "$(state_line ox connected)" 2
check "agent registered again" test "$(count "$tmp/sim.out" '^agent-registered ')" -eq 2
sim_do "$OX spo2 spo2=93 pulse=80"
check "reading after the restart" wait_for "$tmp/probe.out" "$(reading ox "$(value spo2 93)")"

# ---- a device clock that is off is set ----
phase clock
start_sim "$SC device profile=scale paired=yes sleeps=no
$SC clock-drift minutes=-90"
start_probe --device sc,$SC,weight_scale
check "clock written" wait_for "$tmp/sim.out" "^clock-set $SC "
check "connected with the clock set" wait_for "$tmp/probe.out" \
	"$(state_line sc connected).*\"clock_offset_s\":0,"
check "the offset was logged" wait_for "$tmp/probe.err" "clock is off by -5[0-9]{3} s"

# ---- scan, and pairing with a passkey ----
phase pairing
NEW=C0:FF:EE:00:00:07
start_sim "$TH device profile=thermometer passkey=123456 encrypted=yes sleeps=no
$SC device profile=scale passkey=654321 known=yes encrypted=yes sleeps=no
$NEW device profile=scale known=yes"
start_probe --scan 1500 --pair $NEW --device th,$TH,thermometer,passkey=123456 \
	--device sc,$SC,weight_scale,passkey=111111
check "scan lists the advertising device" wait_for "$tmp/probe.out" \
	"\"event\":\"discovered\",\"address\":\"$TH\",\"name\":\"Thermometer\".*\"bound\":true"
check "paired with the right passkey" wait_for "$tmp/sim.out" "^paired $TH$"
check "passkey device connected" wait_for "$tmp/probe.out" "$(state_line th connected),\"paired\":true"
check "trusted after pairing" wait_for "$tmp/sim.out" "^trusted $TH yes$"
sim_do "$TH temp celsius=38.4"
check "reading over the paired link" wait_for "$tmp/probe.out" \
	"$(reading th "$(value body_temperature 38.4)")"
check "a device that is not configured paired on request" wait_for "$tmp/sim.out" "^paired $NEW$"
check "and trusted" wait_for "$tmp/sim.out" "^trusted $NEW yes$"
check "listed, not bound" wait_for "$tmp/probe.out" \
	"\"event\":\"discovered\",\"address\":\"$NEW\",\"name\":\"Weight Scale\".*\"bound\":false"
check "a wrong passkey fails" wait_for "$tmp/sim.out" "^pair-failed $SC AuthenticationFailed$"
check "and that device never connects" test "$(count "$tmp/probe.out" "$(state_line sc connected)")" -eq 0

stop_probe
stop_all
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
